"""The contact plan for the coming months: what is planned, and beyond the horizon what is foreseen.

Planning decides 14 days ahead; `report plan --months 3` showed those 14 days and nothing of
the birthdays, anniversaries and content drops of the weeks after, which is what a seller plans
the quarter with.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.tables import Message
from nurture.planning.send_time import is_business_day
from nurture.usecases.reports import plan_ics, plan_report

from .test_plan_db import NOW, add, make_app


def report(app, now: datetime = NOW, months: int = 3, rules=None) -> list[dict]:
    with app.factory() as session:
        return plan_report(session, now, months, rules or app.rules, app.library)


def touches_of(plan: list[dict], contact_id: int) -> list[dict]:
    return next((e["touches"] for e in plan if e["contact_id"] == contact_id), [])


def day_of(touch: dict) -> date:
    return datetime.fromisoformat(touch["send_at"]).date()


def test_the_months_past_the_horizon_are_foreseen_with_day_occasion_and_item(db_url):
    app = make_app(db_url)
    cid = add(app, "quarter@example.de", birthday="1980-01-20", started_on=date(2019, 2, 10))
    app.planner().run(NOW)
    with app.factory() as session:
        stored = session.scalar(select(func.count()).select_from(Message))
    plan = report(app)
    touches = touches_of(plan, cid)
    planned = [t for t in touches if t["status"] != "foreseen"]
    foreseen = [t for t in touches if t["status"] == "foreseen"]
    assert planned and all(t["message_id"] is not None for t in planned)
    horizon_end = NOW + app.rules.horizon
    assert foreseen and all(t["message_id"] is None and t["subject"] is None for t in foreseen)
    assert all(datetime.fromisoformat(t["send_at"]) > horizon_end for t in foreseen)
    # In send order, planned first; every touch once.
    assert [t["send_at"] for t in touches] == sorted(t["send_at"] for t in touches)  # one zone: text order is time order
    assert len({t["key"] for t in touches}) == len(touches)
    # The birthday and the work anniversary on their days, at the window's start in Berlin.
    by_occasion = {(t["occasion"], day_of(t)): t for t in foreseen}
    assert by_occasion[("birthday", date(2027, 1, 20))]["send_at"] == "2027-01-20T08:30:00+01:00"
    assert ("work_anniversary", date(2027, 2, 10)) in by_occasion
    # Content drops at the tier's cadence (A: 21 days), on business days, each with a new item.
    drops = [t for t in touches if t["occasion"] == "content_drop"]
    assert len(drops) >= 4
    for a, b in zip(drops, drops[1:], strict=False):
        assert datetime.fromisoformat(b["send_at"]) - datetime.fromisoformat(a["send_at"]) >= timedelta(days=21)
    assert all(is_business_day(day_of(t), "DE") for t in drops)
    titles = {item.id: item.title for item in app.library}
    assert all(t["content_title"] == titles[t["content_id"]] for t in drops if t["status"] == "foreseen")
    assert len({t["content_id"] for t in drops}) == len(drops)
    # Foreseeing writes nothing.
    with app.factory() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == stored


def test_the_cap_and_the_switches_hold_for_foreseen_touches_too(db_url):
    app = make_app(db_url)
    cid = add(app, "capped@example.de", birthday="1980-01-20", started_on=date(2019, 1, 27))
    rules = replace(app.rules, enabled=app.rules.enabled - {"work_anniversary"})
    touches = touches_of(report(app, rules=rules), cid)
    assert "work_anniversary" not in {t["occasion"] for t in touches}
    # Two messages per 30 days at most, as the planner keeps it.
    times = [datetime.fromisoformat(t["send_at"]) for t in touches]
    for at in times:
        assert sum(1 for other in times if at <= other < at + app.rules.cap_window) <= app.rules.max_per_contact
    assert len({day_of(t) for t in touches}) == len(touches)  # never two on one day


def test_a_contact_that_may_not_get_mail_has_nothing_foreseen(db_url):
    app = make_app(db_url)
    none = add(app, "none@example.de", consent="none", birthday="1980-01-20")
    gone = add(app, "gone@example.de", birthday="1980-01-20")
    kept = add(app, "kept@example.de", birthday="1980-01-20")
    with app.factory() as session, session.begin():
        ContactStore(session).row(gone).unsubscribed = True
    assert [e["contact_id"] for e in report(app)] == [kept]
    assert none and gone


def test_a_foreseen_greeting_keeps_its_calendar_entry_when_it_is_planned(db_url):
    """The calendar file names each touch by its planning key: read again, it updates instead of doubling."""
    app = make_app(db_url)
    cid = add(app, "uid@example.de", birthday="1980-02-15")
    app.planner().run(NOW)
    before = [t for t in touches_of(report(app), cid) if t["occasion"] == "birthday"]
    assert [t["status"] for t in before] == ["foreseen"]
    later = NOW + timedelta(days=75)  # 6 February: the birthday is within the horizon now
    app.planner().run(later)
    after = [t for t in touches_of(report(app, later), cid) if t["occasion"] == "birthday"]
    assert after[0]["status"] == "planned" and after[0]["message_id"] is not None
    assert after[0]["key"] == before[0]["key"]
    uids = [plan_ics([{"name": "x", "touches": [t]}], NOW, "example.com") for t in (before[0], after[0])]
    assert all(f"nurture-{before[0]['key']}@example.com".encode() in u.replace(b"\r\n ", b"") for u in uids)
