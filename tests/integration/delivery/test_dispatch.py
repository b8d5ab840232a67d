"""Delivery against a real SMTP server: exactly once, retries, bounces, re-checks, crash recovery."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Contact, DeliveryAttempt, Message, MessageLog

from .conftest import approved_messages, make_app


def statuses(app, ids):
    with app.factory() as session:
        return {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(ids)))}


async def test_sends_each_approved_message_once(db_url, smtp):
    handler, port = smtp
    app = make_app(db_url, port)
    ids = approved_messages(app, 12)
    summary = await app.dispatcher("w1").run_once()
    assert summary.sent == 12
    again = await app.dispatcher("w1").run_once()
    assert again.sent == 0
    assert len(handler.received) == 12
    rows = statuses(app, ids)
    assert {m.status for m in rows.values()} == {"sent"}
    ids_on_wire = sorted(b.split(b"Message-ID: ")[1].split(b"\r\n")[0] for b in handler.received)
    assert ids_on_wire == sorted(m.message_id.encode() for m in rows.values())


async def test_temporary_failure_retries_with_same_message_id(db_url, smtp):
    handler, port = smtp
    app = make_app(db_url, port)
    [mid] = approved_messages(app, 1)
    handler.data.append("451 4.3.0 try again later")
    first = await app.dispatcher("w1").run_once()
    assert first.retry == 1 and not handler.received
    row = statuses(app, [mid])[mid]
    assert row.status == "approved" and row.next_attempt_at > app.now()
    stored_raw = row.raw
    app.clock.advance(timedelta(hours=7))
    second = await app.dispatcher("w1").run_once()
    assert second.sent == 1
    assert handler.received == [stored_raw]
    with app.factory() as session:
        attempts = session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.message_id == mid)).all()
    assert [a.outcome for a in attempts] == ["retry", "sent"] and attempts[0].smtp_code == 451


async def test_permanent_rcpt_failure_marks_bounce(db_url, smtp):
    handler, port = smtp
    app = make_app(db_url, port)
    [mid] = approved_messages(app, 1)
    handler.rcpt.append("550 5.1.1 no such user")
    summary = await app.dispatcher("w1").run_once()
    assert summary.failed == 1
    row = statuses(app, [mid])[mid]
    assert row.status == "failed" and "550" in row.reason
    with app.factory() as session:
        assert session.get(Contact, row.contact_id).bounced is True


async def test_unsubscribe_after_approval_is_honoured(db_url, smtp):
    from nurture.usecases.unsubscribe import unsubscribe_contact

    handler, port = smtp
    app = make_app(db_url, port)
    ids = approved_messages(app, 2)
    with app.factory() as session:
        contact_id = session.get(Message, ids[0]).contact_id
    # A contact opts out between approval and sending: the dispatcher re-checks.
    with app.factory() as session, session.begin():
        session.get(Contact, contact_id).unsubscribed = True
    summary = await app.dispatcher("w1").run_once()
    assert summary.sent == 1 and summary.skipped == 1 and len(handler.received) == 1
    assert statuses(app, ids)[ids[0]].status == "failed"
    view, cancelled = unsubscribe_contact(app.factory, contact_id, app.now(), "t", "test")
    assert view.unsubscribed


async def test_dead_lease_before_handover_is_requeued_and_after_is_review(db_url, smtp):
    handler, port = smtp
    app = make_app(db_url, port)
    ids = approved_messages(app, 2)
    with app.factory() as session, session.begin():
        store = MessageStore(session)
        claimed = store.claim_due(app.now(), "dead-worker", timedelta(minutes=1), 2)
        store.mark_handed(claimed[1], "dead-worker", app.now(), timedelta(minutes=1))
    app.clock.advance(timedelta(minutes=5))
    with app.factory() as session, session.begin():
        requeued, uncertain = MessageStore(session).reap_dead_leases(app.now())
    assert requeued == [claimed[0]] and uncertain == [claimed[1]]
    summary = await app.dispatcher("w2").run_once()
    assert summary.sent == 1 and len(handler.received) == 1
    rows = statuses(app, ids)
    assert rows[claimed[0]].status == "sent" and rows[claimed[1]].status == "review"
    assert rows[claimed[1]].reason.startswith("delivery uncertain")
    # The approver checked: it did not arrive. Approved again, it goes once, same Message-ID, fresh attempts.
    [result] = app.desk().approve([claimed[1]], "jana")
    assert result.ok, result.text
    again = statuses(app, ids)[claimed[1]]
    assert (again.status, again.attempts, again.next_attempt_at) == ("approved", 0, None)
    assert (await app.dispatcher("w3").run_once()).sent == 1
    final = statuses(app, ids)[claimed[1]]
    assert final.status == "sent" and final.attempts == 1 and final.message_id == rows[claimed[1]].message_id
    assert len(handler.received) == 2


async def test_two_dispatchers_share_the_queue_without_duplicates(db_url, smtp):
    handler, port = smtp
    app1 = make_app(db_url, port)
    app2 = make_app(db_url, port)
    ids = approved_messages(app1, 40)
    s1, s2 = await asyncio.gather(app1.dispatcher("w1").run_once(), app2.dispatcher("w2").run_once())
    assert s1.sent + s2.sent == 40
    assert len(handler.received) == 40
    assert len(set(handler.received)) == 40
    rows = statuses(app1, ids)
    assert {m.status for m in rows.values()} == {"sent"}
    with app1.factory() as session:
        logs = session.scalars(select(MessageLog).where(MessageLog.to_status == "sent")).all()
    assert len(logs) == 40


async def test_expired_greeting_is_never_sent_late(db_url, smtp):
    handler, port = smtp
    app = make_app(db_url, port)
    [mid] = approved_messages(app, 1)
    with app.factory() as session, session.begin():
        session.get(Message, mid).expires_at = app.now() - timedelta(minutes=1)
    summary = await app.dispatcher("w1").run_once()
    assert summary.sent == 0 and not handler.received
    # The run itself expires it (a `nurture send` without the daemon left it `approved` for good).
    assert summary.expired == 1
    assert statuses(app, [mid])[mid].status == "expired"
    with app.factory() as session, session.begin():
        assert MessageStore(session).expire_missed(app.now()) == []


async def test_relay_asking_to_back_off_stops_the_run(db_url, smtp):
    handler, port = smtp
    app = make_app(db_url, port, NURTURE_SMTP__CONCURRENCY="1")
    ids = approved_messages(app, 5)
    handler.rcpt.append("421 4.7.0 too many messages, slow down")
    summary = await app.dispatcher("w1").run_once()
    assert summary.retry == 1 and summary.sent == 0 and not handler.received
    assert summary.errors and "421" in summary.errors[0]
    rows = statuses(app, ids)
    assert {m.status for m in rows.values()} == {"approved"}
    assert sum(m.attempts for m in rows.values()) == 1
    app.clock.advance(timedelta(hours=7))
    later = await app.dispatcher("w1").run_once()
    assert later.sent == 5 and len(handler.received) == 5


async def test_the_configured_batch_bounds_what_a_connection_takes_on(db_url, smtp):
    handler, port = smtp
    app = make_app(db_url, port, NURTURE_SMTP__MAX_PER_MINUTE="0", NURTURE_SMTP__BATCH="3",
                   NURTURE_SMTP__CONCURRENCY="1")  # fmt: skip
    ids = approved_messages(app, 7)
    dispatcher = app.dispatcher("w1")
    assert dispatcher._batch() == 3
    summary = await dispatcher.run_once()
    assert summary.sent == 7 and len(handler.received) == 7
    with app.factory() as session:
        claims = session.scalars(
            select(MessageLog.at).where(MessageLog.message_id.in_(ids), MessageLog.to_status == "sending")
        ).all()
    assert len(claims) == 7
