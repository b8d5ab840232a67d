"""A failed message that never reached anyone can be approved again, after the checks any approval makes.

It ran out of attempts after temporary errors (or the relay refused it for good, e.g. no
SMTPUTF8): `nurture approve` puts it back to approved with its attempts started over, due at
once, recorded in the audit log; the next send delivers it once. A message whose contact
bounced or unsubscribed, or a greeting whose day has passed, is refused with the reason; the
listing says "approve it again to retry" only where that would be accepted.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from nurture.adapters.db.tables import Contact, Message, MessageLog

from ..delivery.conftest import NOW, approved_messages, make_app
from ..relays import running_relay

AT = "2026-11-23T10:00:00+01:00"
LATER = "2026-11-23T10:30:00+01:00"


def row(app, mid: int) -> Message:  # noqa: ANN001
    with app.factory() as session:
        found = session.get(Message, mid)
        assert found is not None
        session.expunge(found)
        return found


def test_a_message_that_gave_up_after_temporary_errors_is_approved_again_and_sent_once(nurture, db_url):
    with running_relay(rcpt=["451 4.3.0 Try again later"]) as relay:
        nurture.env.update({"NURTURE_SMTP__PORT": str(relay.port), "NURTURE_SMTP__MAX_ATTEMPTS": "1",
                            "NURTURE_SMTP__CONCURRENCY": "1"})  # fmt: skip
        app = make_app(db_url, relay.port)
        [mid] = approved_messages(app, 1)
        first = nurture("send", now=AT)
        failed = row(app, mid)
        assert failed.status == "failed" and failed.reason == "gave up after 1 attempts: 451 4.3.0 Try again later"
        hint = f"approve it again to retry: `nurture approve {mid}`"
        assert hint in first.stdout, "the run names the failed message and what to do"
        assert hint in nurture("queue", "--status", "failed", now=AT).stdout
        assert hint in nurture.json("show", str(mid), now=AT)["reason"]

        approved = nurture("approve", str(mid), "--as", "Jana", now=AT)
        assert f"approved message {mid} again" in approved.stdout
        again = row(app, mid)
        assert again.status == "approved" and again.attempts == 0 and again.next_attempt_at is None
        assert again.reason is None and again.raw is None and again.message_id == failed.message_id
        with app.factory() as session:
            log = session.scalars(select(MessageLog).where(MessageLog.message_id == mid).order_by(MessageLog.id)).all()
            assert (log[-1].from_status, log[-1].to_status, log[-1].actor) == ("failed", "approved", "Jana")
            assert "it had failed: gave up after 1 attempts" in (log[-1].note or "")

        sent = nurture.json("send", now=LATER)
        assert sent["sent"] == 1
        assert nurture.json("send", now=LATER)["sent"] == 0, "sent once, not again"
    assert len(relay.received) == 1
    assert row(app, mid).status == "sent"
    assert failed.message_id is not None and failed.message_id.encode() in relay.received[0]


def test_a_failed_message_whose_contact_bounced_or_left_is_not_approved_again(nurture, db_url):
    with running_relay(rcpt=["550 5.1.1 User unknown", "552 5.2.2 Mailbox full"]) as relay:
        nurture.env.update({"NURTURE_SMTP__PORT": str(relay.port), "NURTURE_SMTP__CONCURRENCY": "1"})
        app = make_app(db_url, relay.port)
        bounced, full = approved_messages(app, 2)
        nurture("send", now=AT)

    assert row(app, bounced).status == "failed" and row(app, full).status == "failed"
    listing = nurture("queue", "--status", "failed", now=AT).stdout
    line = next(x for x in listing.splitlines() if x.strip().startswith(str(bounced)))
    assert "User unknown" in line and "approve it again" not in line, "a bounce is no case for a retry"

    refused = nurture("approve", str(bounced), ok=False, now=AT)
    assert refused.exit_code == 1
    assert f"message {bounced} cannot be approved: the contact's address bounced" in refused.stderr
    assert row(app, bounced).status == "failed"

    email = nurture.json("show", str(full), now=AT)["email"]
    nurture("unsubscribe", email, now=AT)
    assert "approve it again" not in (nurture.json("show", str(full), now=AT)["reason"] or "")
    refused = nurture("approve", str(full), ok=False, now=AT)
    assert refused.exit_code == 1, "an opt-out is sacred: nothing of theirs is approved again"
    assert row(app, full).status in ("failed", "rejected")  # unsubscribing takes back the contact's open messages


def test_a_failed_greeting_whose_day_has_passed_is_not_approved_again(nurture, db_url):
    app = make_app(db_url, 1)
    [mid] = approved_messages(app, 1)
    with app.factory() as session, session.begin():
        session.execute(update(Message).where(Message.id == mid).values(
            occasion="birthday", status="failed", expires_at=NOW + timedelta(hours=12),
            reason="the server does not support SMTPUTF8 needed for jürgen@example.com; send through a relay that "
                   "offers SMTPUTF8, or give the contact an address written in ASCII"))  # fmt: skip

    same_day = nurture.json("show", str(mid), now=AT)["reason"]
    assert same_day.endswith(f"approve it again to retry: `nurture approve {mid}`")

    next_day = "2026-11-24T10:00:00+01:00"
    assert "approve it again" not in nurture.json("show", str(mid), now=next_day)["reason"]
    refused = nurture("approve", str(mid), ok=False, now=next_day)
    assert refused.exit_code == 1
    assert f"message {mid} failed and its day has passed, so it expired" in refused.stderr
    assert row(app, mid).status == "failed"

    # The same day it may go again (say, through a relay that offers SMTPUTF8 now).
    nurture("approve", str(mid), now=AT)
    assert row(app, mid).status == "approved"
    with app.factory() as session:
        assert session.scalar(select(Contact.bounced).join(Message).where(Message.id == mid)) is False
