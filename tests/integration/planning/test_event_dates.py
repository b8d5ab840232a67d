"""An event's own date and details count: old news is kept but not congratulated, a date after today
and a detail key no template reads are refused, a switched-off kind is said to be off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select

from nurture.adapters.db.tables import Event

from ..cli.conftest import SAMPLE, Nurture
from .test_plan_db import NOW, add, make_app, occasions

SABINE = "sabine.becker@example.de"


@pytest.fixture
def nurture(db_url: str) -> Callable[..., Result]:
    """The real command line on a fresh database (nothing is sent here, so no SMTP server)."""
    env = {
        "NURTURE_DATABASE__URL": db_url,
        "NURTURE_SMTP__HOST": "127.0.0.1",
        "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
        "NURTURE_WEB_PASSWORD": "pw",
        "NURTURE_NOW": "",
        "NURTURE_CONFIG": "",
    }
    n = Nurture(env, "2026-11-23T07:00:00+01:00")  # today is 2026-11-23
    n("init")
    n("import", str(SAMPLE))
    return n


def record(app, contact_id: int, kind: str, on: date, **details: str) -> None:
    with app.factory() as session, session.begin():
        session.add(Event(contact_id=contact_id, kind=kind, date=on, details=details, source="cli", learned_at=NOW))


def planned_kinds(nurture, email: str) -> list[str]:
    return [m["occasion"] for m in nurture.json("contacts", "show", email)["planned"]]


# --- planning: the event's own date -------------------------------------------------------------


@pytest.mark.parametrize(("kind", "on", "details"), [
    ("job_change", date(2015, 3, 1), {"company": "Becker Consulting"}),
    ("achievement", NOW.date() - timedelta(days=240), {"what": "Auszeichnung"}),
    ("promotion", NOW.date() - timedelta(days=61), {"position": "Leiterin Vertrieb"}),
])  # fmt: skip
def test_an_event_long_past_when_learned_is_kept_but_not_congratulated(db_url, kind, on, details) -> None:
    """A job change of 2015 recorded today was congratulated now ("zum Wechsel zu Becker Consulting")."""
    app = make_app(db_url)
    cid = add(app, "late@example.de")
    record(app, cid, kind, on, **details)
    app.planner().run(NOW)
    app.planner().run(NOW + timedelta(days=3))
    assert kind not in occasions(app, cid)
    with app.factory() as session:  # kept for the contact's history
        assert session.scalars(select(Event.kind).where(Event.contact_id == cid)).all() == [kind]


@pytest.mark.parametrize("days_before", [0, 2, 60])
def test_news_up_to_sixty_days_old_is_still_congratulated_once(db_url, days_before: int) -> None:
    app = make_app(db_url)
    cid = add(app, "fresh@example.de")
    record(app, cid, "publication", NOW.date() - timedelta(days=days_before), title="Stahlbau heute")
    app.planner().run(NOW)
    app.planner().run(NOW + timedelta(days=1))
    assert occasions(app, cid).count("publication") == 1


def test_a_job_change_found_by_an_import_is_still_congratulated(nurture, tmp_path: Path) -> None:
    """An import dates its job change on the import day: never old news."""
    moved = tmp_path / "moved.csv"
    moved.write_text(SAMPLE.read_text(encoding="utf-8").replace("Nordlicht Logistik GmbH", "Südwind Spedition GmbH"),
                     encoding="utf-8")  # fmt: skip
    nurture("import", str(moved))
    events = nurture.json("contacts", "show", "anna.mueller@example.de")["events"]
    assert [e["kind"] for e in events] == ["job_change"] and events[0]["date"] == "2026-11-23"
    nurture("plan")
    assert "job_change" in planned_kinds(nurture, "anna.mueller@example.de")


# --- event add: old news, future dates ----------------------------------------------------------


def test_event_add_says_an_old_event_is_recorded_but_not_congratulated(nurture) -> None:
    result = nurture("event", "add", SABINE, "--kind", "job_change", "--date", "2015-03-01",
                     "--detail", "company=Becker Consulting")  # fmt: skip
    assert "recorded" in result.output
    assert "it is more than 60 days old, so no congratulation is planned" in result.output, result.output
    assert nurture.json("contacts", "show", SABINE)["events"] == [
        {"kind": "job_change", "date": "2015-03-01", "details": {"company": "Becker Consulting"}}
    ]
    nurture("plan")
    assert "job_change" not in planned_kinds(nurture, SABINE)
    again = nurture.json("event", "add", SABINE, "--kind", "achievement", "--date", "2026-03-20")
    assert again["not_planned"] == "it is more than 60 days old, so no congratulation is planned"


@pytest.mark.parametrize("day", ["2030-01-01", "2026-11-24"])
def test_event_add_refuses_a_date_after_today(nurture, day: str) -> None:
    """`--kind promotion --date 2030-01-01` was congratulated now; `touch` already refuses such a date."""
    result = nurture("event", "add", SABINE, "--kind", "promotion", "--date", day, ok=False)
    assert result.exit_code == 1
    assert f"error: --date {day} is in the future" in result.stderr, result.stderr
    assert "on or after that day" in result.stderr and "Traceback" not in result.output + result.stderr
    assert nurture.json("contacts", "show", SABINE)["events"] == []


def test_event_add_takes_today_and_a_work_anniversary_ahead_of_its_day(nurture) -> None:
    today = nurture.json("event", "add", SABINE, "--kind", "promotion", "--date", "2026-11-23")
    assert today["not_planned"] is None
    ahead = nurture("event", "add", SABINE, "--kind", "work_anniversary", "--date", "2026-12-01",
                    "--detail", "years=10")  # fmt: skip
    assert "`nurture plan` picks it up" in ahead.output
    nurture("plan")
    assert "promotion" in planned_kinds(nurture, SABINE)


def test_event_add_says_a_work_anniversary_whose_day_has_passed_gets_no_greeting(nurture) -> None:
    result = nurture("event", "add", SABINE, "--kind", "work_anniversary", "--date", "2026-11-01")
    assert "its day has passed, so no greeting is planned" in result.output, result.output


# --- event add: detail keys ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "detail", "known"), [
    ("publication", "titel=Stahlbau heute", "title"),
    ("promotion", "company=Acme", "position"),
    ("achievement", "Was=Preis", "what"),
    ("job_change", "firma=Acme", "company, position, old_company, old_position"),
    ("work_anniversary", "jahre=10", "years, company"),
])  # fmt: skip
def test_event_add_refuses_a_detail_key_no_message_reads(nurture, kind: str, detail: str, known: str) -> None:
    """`--detail titel=…` (for title) was accepted, and the publication greeting went out without the title."""
    result = nurture("event", "add", SABINE, "--kind", kind, "--date", "2026-11-20", "--detail", detail, ok=False)
    key = detail.partition("=")[0]
    assert result.exit_code == 1
    assert f"error: --detail '{key}' is not known for --kind {kind}" in result.stderr, result.stderr
    assert f"read only {known}:" in result.stderr and "nothing was recorded" in result.stderr
    assert nurture.json("contacts", "show", SABINE)["events"] == []


def test_event_add_refuses_a_detail_given_twice(nurture) -> None:
    result = nurture("event", "add", SABINE, "--kind", "publication", "--date", "2026-11-20",
                     "--detail", "title=Eins", "--detail", "title=Zwei", ok=False)  # fmt: skip
    assert result.exit_code == 1 and "--detail title is given twice" in result.stderr
    assert nurture.json("contacts", "show", SABINE)["events"] == []


def test_the_known_details_reach_the_message_and_a_missing_one_is_left_out(nurture) -> None:
    nurture("event", "add", SABINE, "--kind", "publication", "--date", "2026-11-20", "--detail", "title=Stahlbau heute")
    nurture("event", "add", "anna.mueller@example.de", "--kind", "publication", "--date", "2026-11-20")
    nurture("plan")
    with_title = [m for m in nurture.json("contacts", "show", SABINE)["planned"] if m["occasion"] == "publication"]
    assert len(with_title) == 1 and "Stahlbau heute" in with_title[0]["text"]
    without = [m for m in nurture.json("contacts", "show", "anna.mueller@example.de")["planned"]
               if m["occasion"] == "publication"]  # fmt: skip
    assert len(without) == 1 and without[0]["text"]
    assert "None" not in without[0]["text"] and "„“" not in without[0]["text"] and '""' not in without[0]["text"]


# --- event add: a kind switched off -------------------------------------------------------------


def test_event_add_says_when_the_kind_is_switched_off(nurture) -> None:
    off = Nurture({**nurture.env, "NURTURE_OCCASIONS__JOB_CHANGE": "false"}, nurture.now)
    result = off("event", "add", SABINE, "--kind", "job_change", "--date", "2026-11-20", "--detail", "company=Acme")
    assert "job_change is switched off in [occasions] of the config, so no congratulation is planned" in result.output
    assert [e["kind"] for e in off.json("contacts", "show", SABINE)["events"]] == ["job_change"]
    off("plan")
    assert "job_change" not in planned_kinds(off, SABINE)
