"""A marketer's config change must reach what is already planned: switching birthdays off left the
planned and queued greetings in place (and wrote them into the queue the next day), and a later
send window or a new cadence left every planned message at its old time."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nurture.adapters.db.engine import upgrade
from nurture.adapters.db.tables import Message
from nurture.clock import FixedClock
from nurture.entrypoints.app import App
from nurture.settings import load_settings

from .test_plan_db import NOW, ROOT, add


def make_app(db_url: str, **env: str) -> App:
    settings = load_settings(ROOT / "config" / "nurture.toml",
                             environ={"NURTURE_DATABASE__URL": db_url, "NURTURE_SECRET_KEY": "k" * 32, **env})  # fmt: skip
    app = App(settings, FixedClock(NOW))
    upgrade(app.engine)
    return app


def messages(app: App, cid: int) -> list[Message]:
    with app.factory() as session:
        return list(session.scalars(select(Message).where(Message.contact_id == cid).order_by(Message.id)))


def soon(days: int) -> str:
    day = (NOW + timedelta(days=days)).date()
    return date(1980, day.month, day.day).isoformat()


def test_switching_birthdays_off_takes_back_the_greetings_not_approved(db_url):
    app = make_app(db_url)
    queued = add(app, "tomorrow@example.de", tier="C", birthday=soon(1))
    planned = add(app, "next-week@example.de", tier="C", birthday=soon(8))
    approved = add(app, "approved@example.de", tier="C", birthday=soon(2))
    app.planner().run(NOW)
    [q], [p], [a] = (messages(app, c) for c in (queued, planned, approved))
    assert (q.status, p.status) == ("pending", "planned")
    [ok] = app.desk().approve([a.id], "jana")
    assert ok.ok, ok.text

    off = make_app(db_url, NURTURE_OCCASIONS__BIRTHDAY="false")
    summary = off.planner().run(NOW + timedelta(hours=1))
    assert summary.switched_off == 2
    assert messages(off, queued) == [] and messages(off, planned) == []
    assert [m.status for m in messages(off, approved)] == ["approved"]  # a person decided it should go
    # A day later nothing comes back while birthdays stay off ...
    off.planner().run(NOW + timedelta(days=1))
    assert messages(off, planned) == []
    # ... and switched on again, the greeting is planned anew.
    on = make_app(db_url)
    on.planner().run(NOW + timedelta(days=1, hours=1))
    assert [m.occasion for m in messages(on, planned)] == ["birthday"]


def test_a_new_send_window_moves_the_messages_not_written_yet(db_url):
    app = make_app(db_url)
    cid = add(app, "window@example.de", tier="C", birthday=soon(8))
    app.planner().run(NOW)
    [before] = messages(app, cid)
    berlin = ZoneInfo("Europe/Berlin")
    assert before.status == "planned" and before.send_at.astimezone(berlin).strftime("%H:%M") == "08:30"
    later = make_app(db_url, NURTURE_SEND_WINDOW__START="10:00")
    summary = later.planner().run(NOW + timedelta(hours=1))
    assert summary.redecided >= 1
    [after] = messages(later, cid)
    local = after.send_at.astimezone(berlin)
    assert (local.hour, local.minute) == (10, 0), local
    assert after.occasion_date == before.occasion_date
    # Planning again with the same rules changes nothing (idempotent).
    again = later.planner().run(NOW + timedelta(hours=2))
    assert again.redecided == 0 and again.planned == 0
    assert [m.id for m in messages(later, cid)] == [after.id]
