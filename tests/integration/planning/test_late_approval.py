"""A message approved after its send time goes inside the contact's send window, not at once at any hour.

An approval at 22:00 sent a content drop at 22:00; one made in Berlin's afternoon reached a
contact in Auckland at dawn; a birthday greeting approved after the window closed went out at night.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.tables import Message

from .test_plan_db import NOW, add, make_app


def pending_of(app, cid: int, occasion: str) -> Message:
    with app.factory() as session:
        (row,) = session.scalars(select(Message).where(Message.contact_id == cid, Message.occasion == occasion))
        session.expunge(row)
        return row


def due_drop(app, email: str, **values) -> int:
    cid = add(app, email, **values)
    with app.factory() as session, session.begin():
        ContactStore(session).row(cid).last_touch_at = NOW - timedelta(days=22)  # due today: written at once
    return cid


def test_a_drop_approved_at_night_goes_when_the_window_opens_on_the_next_business_day(db_url):
    app = make_app(db_url)
    cid = due_drop(app, "night@example.de")
    app.planner().run(NOW)
    drop = pending_of(app, cid, "content_drop")
    assert drop.status == "pending" and drop.send_at == datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # 08:30 Berlin
    app.clock.advance(timedelta(hours=14))  # Monday 22:00 in Berlin
    [done] = app.desk().approve([drop.id], "jana")
    assert done.ok and "goes out 2026-11-24 07:30 UTC" in done.text, done.text
    assert pending_of(app, cid, "content_drop").send_at == datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    # Friday evening: Monday morning, not the weekend.
    other = due_drop(app, "friday@example.de")
    app.planner().run(app.now())
    late = pending_of(app, other, "content_drop")
    friday_evening = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)  # Friday 20:00 in Berlin
    app.clock.advance(friday_evening - app.now())
    [done] = app.desk().approve([late.id], "jana")
    assert done.ok, done.text
    assert pending_of(app, other, "content_drop").send_at == datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # Monday


def test_a_drop_approved_inside_the_window_goes_at_once(db_url):
    app = make_app(db_url)
    cid = due_drop(app, "noon@example.de")
    app.planner().run(NOW)
    drop = pending_of(app, cid, "content_drop")
    app.clock.advance(timedelta(hours=4))  # 12:00 in Berlin
    [done] = app.desk().approve([drop.id], "jana")
    assert done.ok
    assert pending_of(app, cid, "content_drop").send_at == drop.send_at  # due already: the next send run takes it


def test_a_contact_far_away_gets_it_in_their_own_morning(db_url):
    app = make_app(db_url)
    cid = due_drop(app, "kiwi@example.nz", timezone="Pacific/Auckland", country="NZ", language="en")
    app.planner().run(NOW)
    drop = pending_of(app, cid, "content_drop")
    app.clock.advance(datetime(2026, 11, 24, 14, 0, tzinfo=UTC) - app.now())  # Berlin 15:00, Auckland 03:00
    [done] = app.desk().approve([drop.id], "jana")
    assert done.ok, done.text
    local = pending_of(app, cid, "content_drop").send_at.astimezone(ZoneInfo("Pacific/Auckland"))
    assert (local.hour, local.minute) == (8, 30) and local.date().isoformat() == "2026-11-25"


def test_a_greeting_approved_after_its_days_window_closed_is_refused(db_url):
    app = make_app(db_url)
    cid = add(app, "bday@example.de", birthday="1980-11-23")
    app.planner().run(NOW)
    greeting = pending_of(app, cid, "birthday")
    app.clock.advance(timedelta(hours=10))  # 18:00 in Berlin: the window closed at 17:00
    [refused] = app.desk().approve([greeting.id], "jana")
    assert not refused.ok and "can no longer go out on its day" in refused.text and "17:00" in refused.text
    assert pending_of(app, cid, "birthday").status == "pending"
