"""Planned messages get their words `compose_ahead` before they are due, or when someone opens them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Contact, Message, MessageLog
from nurture.usecases.unsubscribe import unsubscribe_contact

from .test_plan_db import NOW, add, make_app

# NOW is Monday 23 November 2026, 08:00 in Berlin; compose_ahead is 3 days by default.
SOON = "1980-11-24"  # Tuesday: within three days
LATER = "1980-12-01"  # next Tuesday: beyond three days, within the 14-day horizon


def greeting(app, contact_id: int) -> Message:
    with app.factory() as session:
        return session.scalars(
            select(Message).where(Message.contact_id == contact_id, Message.occasion == "birthday")
        ).one()


def test_only_messages_due_within_compose_ahead_get_their_words(db_url):
    app = make_app(db_url)
    soon = add(app, "soon@example.de", birthday=SOON, last_name="Bald")
    later = add(app, "later@example.de", birthday=LATER, last_name="Später")
    summary = app.planner().run(NOW)
    near, far = greeting(app, soon), greeting(app, later)
    assert near.status == "pending" and "Frau Bald" in near.text and near.subject
    assert far.status == "planned" and far.text == "" and far.subject == "" and far.template is None
    assert far.send_at == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)  # the plan knows day and time already
    assert summary.by_status.get("planned", 0) >= 1 and summary.by_status.get("pending", 0) >= 1
    assert summary.composed == sum(n for s, n in summary.by_status.items() if s != "planned")

    # Five days on it is still more than three days away (Tuesday 08:30 from Saturday 08:00) ...
    app.clock.advance(timedelta(days=5))
    app.planner().run(app.now())
    assert greeting(app, later).status == "planned"
    # ... six days on it is within three days of its send time: the next run writes it.
    app.clock.advance(timedelta(days=1))
    again = app.planner().run(app.now())
    far = greeting(app, later)
    assert far.status == "pending" and "Frau Später" in far.text and far.template.startswith("de/birthday/")
    assert again.composed >= 1
    with app.factory() as session:
        log = session.scalars(select(MessageLog).where(MessageLog.message_id == far.id)).all()
        assert [(e.from_status, e.to_status, e.actor) for e in log] == [("planned", "pending", "planner")]
        # Re-planning added no second greeting.
        assert len(session.scalars(select(Message).where(Message.occasion == "birthday")).all()) == 2


def test_a_planned_message_is_written_with_the_contacts_latest_details(db_url):
    app = make_app(db_url)
    cid = add(app, "later@example.de", birthday=LATER, last_name="Später")
    app.planner().run(NOW)
    assert greeting(app, cid).status == "planned"
    with app.factory() as session, session.begin():
        session.get(Contact, cid).title = "Dr."
    app.compose_if_planned(greeting(app, cid).id)
    written = greeting(app, cid)
    assert written.status == "pending"
    assert "Frau Dr. Später" in written.text


def test_a_planned_message_without_a_correct_salutation_goes_to_review_when_written(db_url):
    app = make_app(db_url)
    cid = add(app, "later@example.de", birthday=LATER, last_name="Später")
    app.planner().run(NOW)
    with app.factory() as session, session.begin():
        session.get(Contact, cid).last_name = "X2"
    app.compose_if_planned(greeting(app, cid).id)
    written = greeting(app, cid)
    assert written.status == "review" and written.reason.startswith("salutation")


def test_approving_a_planned_message_writes_it_first(db_url):
    app = make_app(db_url)
    cid = add(app, "later@example.de", birthday=LATER, last_name="Später")
    app.planner().run(NOW)
    mid = greeting(app, cid).id
    [result] = app.desk().approve([mid], "jana")
    assert result.ok, result.text
    approved = greeting(app, cid)
    assert approved.status == "approved" and "Frau Später" in approved.text and approved.message_id


def test_a_planned_greeting_whose_day_passed_expires(db_url):
    app = make_app(db_url)
    cid = add(app, "later@example.de", birthday=LATER)
    app.planner().run(NOW)
    far = greeting(app, cid)
    with app.factory() as session, session.begin():
        # (with the contact's content drop, due more than STALE_AFTER before and never approved)
        assert far.id in MessageStore(session).expire_missed(far.expires_at)
    assert greeting(app, cid).status == "expired"


def test_unsubscribing_rejects_planned_messages_too(db_url):
    app = make_app(db_url)
    cid = add(app, "later@example.de", birthday=LATER)
    app.planner().run(NOW)
    assert greeting(app, cid).status == "planned"
    _view, cancelled = unsubscribe_contact(app.factory, cid, NOW, "cli", "test")
    assert cancelled >= 1
    assert greeting(app, cid).status == "rejected"
    app.clock.advance(timedelta(days=5))
    app.planner().run(app.now())
    assert greeting(app, cid).status == "rejected"  # never written, never re-planned


def test_a_message_being_written_elsewhere_is_written_and_logged_once(pg_url):
    app = make_app(pg_url)
    cid = add(app, "later@example.de", birthday=LATER, last_name="Später")
    app.planner().run(NOW)
    mid = greeting(app, cid).id
    with app.factory() as other, other.begin():
        # Another process is writing this message right now: it holds the row.
        other.execute(select(Message.id).where(Message.id == mid).with_for_update())
        app.compose_if_planned(mid)  # skips the held row instead of writing it a second time
        assert greeting(app, cid).status == "planned"
    app.compose_if_planned(mid)
    app.compose_if_planned(mid)
    assert greeting(app, cid).status == "pending"
    with app.factory() as session:
        log = session.scalars(select(MessageLog.to_status).where(MessageLog.message_id == mid)).all()
    assert log == ["pending"]
