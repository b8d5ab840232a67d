"""People and machines at the same time: approvals, rejections, edits and opt-outs racing the sender and planner.

Each test drives a real interleaving on a real database (two connections, the second one
blocked on the first one's row locks where PostgreSQL makes that possible) and a real SMTP
server on 127.0.0.1, then checks the end state: status, message log, delivery attempts and
the Message-IDs the server received.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from nurture.adapters.db.tables import Contact, DeliveryAttempt, Message, MessageLog
from nurture.usecases.unsubscribe import unsubscribe_contact

from .conftest import approved_messages, make_app

# --- helpers ---------------------------------------------------------------------------------


def message_ids_on_wire(received: list[bytes]) -> list[str]:
    return [raw.split(b"Message-ID: ")[1].split(b"\r\n")[0].decode() for raw in received]


def row(app: Any, mid: int) -> Message:
    with app.factory() as session:
        found = session.get(Message, mid)
        assert found is not None
        session.expunge(found)
        return found


def log_of(app: Any, mid: int) -> list[tuple[str | None, str, str]]:
    with app.factory() as session:
        entries = session.scalars(select(MessageLog).where(MessageLog.message_id == mid).order_by(MessageLog.id))
        return [(e.from_status, e.to_status, e.note or "") for e in entries]


def attempts_of(app: Any, mid: int) -> list[str]:
    with app.factory() as session:
        query = select(DeliveryAttempt.outcome).where(DeliveryAttempt.message_id == mid).order_by(DeliveryAttempt.id)
        return list(session.scalars(query))


def wait_for_lock_waiter(url: str, timeout: float = 10.0) -> None:
    """Return once some session of this database waits for a row lock (the race is set up)."""
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                waiting = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                         "AND wait_event_type = 'Lock'")
                ).scalar()  # fmt: skip
            if waiting:
                return
            time.sleep(0.02)
        raise AssertionError("the second transaction never waited for the first one's lock")
    finally:
        engine.dispose()


class Background:
    """A call on another thread; its result or exception is read with `result()`."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.value: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self.value = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            self.error = exc

    def result(self, timeout: float = 15.0) -> Any:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the background call did not finish"
        if self.error is not None:
            raise self.error
        return self.value


# --- unsubscribe while the sender claims -------------------------------------------------------


def test_unsubscribe_while_the_sender_claims_a_message_still_opts_the_contact_out(pg_url, smtp):
    """The sender's claim holds the approved row; the opt-out must wait for it, not fail."""
    handler, port = smtp
    app = make_app(pg_url, port)
    [mid] = approved_messages(app, 1)
    with app.factory() as session, session.begin():
        first = session.get(Message, mid)
        cid = first.contact_id
        other = Message(key=f"{cid}:reconnect:y", contact_id=cid, occasion="reconnect",
                        occasion_date=app.now().date(), status="pending", send_at=app.now() + timedelta(days=2),
                        language="en", subject="Hello", text="Dear Mr Berger,\n\nHow are you?\n", html=None,
                        attempts=0, created_at=app.now(), updated_at=app.now())  # fmt: skip
        session.add(other)
        session.flush()
        pending_id = other.id

    opting_out: list[Background] = []

    def build_then_let_the_opt_out_queue_up(msg: Message, view: Any) -> Any:
        # Inside the claim's transaction: the opt-out starts now and queues behind the claim's lock.
        opting_out.append(Background(lambda: unsubscribe_contact(app.factory, cid, app.now(), "recipient", "link")))
        wait_for_lock_waiter(pg_url)
        return app.build_mail(msg, view)

    dispatcher = app.dispatcher("w1")
    dispatcher.build = build_then_let_the_opt_out_queue_up
    summary = asyncio.run(dispatcher.run_once())

    view, cancelled = opting_out[0].result()
    assert view.unsubscribed and cancelled == 1
    with app.factory() as session:
        assert session.get(Contact, cid).unsubscribed is True
    # The claimed message was re-checked before the opt-out was committed: it went, once, and is recorded.
    assert summary.sent == 1
    assert message_ids_on_wire(handler.received) == [row(app, mid).message_id]
    assert row(app, mid).status == "sent" and attempts_of(app, mid) == ["sent"]
    assert row(app, pending_id).status == "rejected"
    assert log_of(app, pending_id)[-1][:2] == ("pending", "rejected")


# --- approval and contact edits -----------------------------------------------------------------


def done_or_blocked(call: Background, url: str, timeout: float = 10.0) -> None:
    """Wait until the other side has either finished or queued up behind our row locks."""
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not call.thread.is_alive():
                return
            with engine.connect() as conn:
                waiting = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                         "AND wait_event_type = 'Lock'")
                ).scalar()  # fmt: skip
            if waiting:
                return
            time.sleep(0.02)
        raise AssertionError("the other side neither finished nor waited")
    finally:
        engine.dispose()


def greeting_for(app: Any, email: str) -> tuple[int, int]:
    """A contact (Frau Dr. Müller) whose birthday greeting tomorrow is written and pending: (contact, message)."""
    from .conftest import add_contact

    cid = add_contact(app, email, birthday="1980-11-24")
    app.planner().run(app.now())
    with app.factory() as session:
        mid = session.scalars(
            select(Message.id).where(Message.contact_id == cid, Message.occasion == "birthday")
        ).one()
    greeting = row(app, mid)
    assert greeting.status == "pending" and "Frau Dr. Müller" in greeting.text
    return cid, mid


class PausingComposer:
    """The desk's composer, with a hook run before the first message is rendered."""

    def __init__(self, inner: Any, before_first: Callable[[], None]) -> None:
        self.inner, self.before_first, self.called = inner, before_first, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def compose(self, *args: Any, **kwargs: Any) -> Any:
        if not self.called:
            self.called = True
            self.before_first()
        return self.inner.compose(*args, **kwargs)


def edit_contact(app: Any, cid: int, changes: dict[str, Any], desk: Any = None,
                 before_commit: Callable[[], None] | None = None) -> dict[str, int]:  # fmt: skip
    """What `nurture contacts edit` does: store the change, re-render the open messages, one transaction."""
    from nurture.adapters.db.contact_store import ContactStore

    with app.factory() as session, session.begin():
        store = ContactStore(session)
        contact = store.row(cid)
        store.update(contact, changes, app.now(), "editor")
        session.flush()
        moved = (desk or app.desk()).recompose_contact(session, contact.id, "editor")
        if before_commit is not None:
            before_commit()
    return moved


NOTE = "Schön, dass wir uns in Wien gesehen haben."


def test_an_approval_during_an_edit_keeps_the_note_and_takes_the_corrected_salutation(pg_url, smtp):
    """The edit has read the pending message; the approval with a note must not be overwritten by it."""
    import dataclasses

    _, port = smtp
    app = make_app(pg_url, port)
    cid, mid = greeting_for(app, "mueller@example.de")
    approving: list[Background] = []

    def approve_meanwhile() -> None:
        approving.append(Background(lambda: app.desk().approve([mid], "jana", note=NOTE)))
        done_or_blocked(approving[0], pg_url)

    base = app.desk()
    desk = dataclasses.replace(base, composer=PausingComposer(base.composer, approve_meanwhile))
    edit_contact(app, cid, {"gender": "male"}, desk=desk)
    [result] = approving[0].result()

    assert result.ok, result.text
    final = row(app, mid)
    assert final.status == "approved" and final.note == NOTE
    # What was approved is what goes: the note and the corrected salutation, in text and HTML.
    assert NOTE in final.text and "Herr Dr. Müller" in final.text and "Frau" not in final.text
    assert final.html is not None and "Herr Dr. Müller" in final.html
    assert [(a, b) for a, b, _ in log_of(app, mid)] == [("planned", "pending"), ("pending", "approved")]


def test_an_approval_while_an_edit_is_uncommitted_waits_for_the_corrected_words(pg_url, smtp):
    """The edit re-rendered the message but has not committed: the approval must not keep the old salutation."""
    _, port = smtp
    app = make_app(pg_url, port)
    cid, mid = greeting_for(app, "mueller@example.de")
    approving: list[Background] = []

    def approve_meanwhile() -> None:
        approving.append(Background(lambda: app.desk().approve([mid], "jana", note=NOTE)))
        done_or_blocked(approving[0], pg_url)

    edit_contact(app, cid, {"gender": "male"}, before_commit=approve_meanwhile)
    [result] = approving[0].result()

    assert result.ok, result.text
    final = row(app, mid)
    assert final.status == "approved" and final.note == NOTE
    assert NOTE in final.text and "Herr Dr. Müller" in final.text and "Frau" not in final.text


def test_an_edit_while_the_sender_claims_the_message_is_not_lost(pg_url, smtp):
    """The sender holds the approved message; the edit waits for the claim and leaves the sending message alone."""
    handler, port = smtp
    app = make_app(pg_url, port)
    cid, mid = greeting_for(app, "mueller@example.de")
    [ok] = app.desk().approve([mid], "jana")
    assert ok.ok
    approved = row(app, mid)
    with app.factory() as session, session.begin():  # due now
        session.get(Message, mid).send_at = app.now()
    editing: list[Background] = []

    def build_then_edit(msg: Message, view: Any) -> Any:
        editing.append(Background(lambda: edit_contact(app, cid, {"gender": "male"})))
        done_or_blocked(editing[0], pg_url)
        return app.build_mail(msg, view)

    dispatcher = app.dispatcher("w1")
    dispatcher.build = build_then_edit
    summary = asyncio.run(dispatcher.run_once())

    assert editing[0].result() == {}  # nothing open was left to re-render: the message was being sent
    with app.factory() as session:
        assert session.get(Contact, cid).gender == "male"
    assert summary.sent == 1
    final = row(app, mid)
    # It went out once, with the words that were approved, and is recorded as sent.
    assert final.status == "sent" and final.text == approved.text
    assert message_ids_on_wire(handler.received) == [approved.message_id]
    assert attempts_of(app, mid) == ["sent"]


# --- a lease running out while the relay still holds the transaction ---------------------------------


class HoldingHandler:
    """Accepts every message, but answers the end of DATA only once the test lets it."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.arrived = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(envelope.original_content or envelope.content)
        self.arrived.set()
        await asyncio.to_thread(self.release.wait, 15)
        return "250 Message accepted"


@pytest.fixture
def holding_smtp() -> Iterator[tuple[HoldingHandler, int]]:
    from aiosmtpd.controller import Controller

    from ..conftest import free_port

    handler = HoldingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release.set()
        controller.stop()


def held_past_its_lease(db_url: str, handler: HoldingHandler, port: int) -> tuple[Any, Any, int, Background, Any]:
    """One approved message held by the relay while its sender hangs; six minutes on (the lease is
    five) another sender settles the claim. Returns (app, the later sender's app, the message id,
    the hung send run, the later run's summary)."""
    app = make_app(db_url, port)
    [mid] = approved_messages(app, 1)
    first = Background(lambda: asyncio.run(app.dispatcher("hung").run_once()))
    assert handler.arrived.wait(10), "the message never reached the relay"
    later = make_app(db_url, port)
    later.clock.advance(timedelta(minutes=6))
    second = asyncio.run(later.dispatcher("cron").run_once())
    return app, later, mid, first, second


def test_a_send_outliving_its_lease_is_sent_once_and_recorded_as_sent(db_url, holding_smtp):
    """The relay answers after the lease ran out and another sender settled it: one copy, recorded as sent."""
    handler, port = holding_smtp
    # Six minutes on (the lease is five), another sender starts: it settles the claim, never resends.
    app, _, mid, first, second = held_past_its_lease(db_url, handler, port)
    assert second.sent == 0 and len(handler.received) == 1
    assert row(app, mid).status == "review" and row(app, mid).reason.startswith("delivery uncertain")

    handler.release.set()  # the relay accepts the message at last
    assert first.result().sent == 1

    final = row(app, mid)
    assert final.status == "sent" and final.reason is None and final.sent_at is not None
    assert message_ids_on_wire(handler.received) == [final.message_id]
    assert attempts_of(app, mid) == ["sent"]
    assert [(a, b) for a, b, _ in log_of(app, mid)] == [
        ("approved", "sending"), ("sending", "review"), ("review", "sent"),
    ]
    # Nobody can approve it a second time now.
    [again] = app.desk().approve([mid], "jana")
    assert not again.ok and "sent" in again.text
    with app.factory() as session:
        assert session.get(Contact, final.contact_id).last_touch_at is not None


def test_approved_again_from_review_while_the_relay_held_it_is_not_sent_twice(db_url, holding_smtp):
    """The person approved the 'uncertain' message again before the late acceptance: it is recorded as sent, once."""
    handler, port = holding_smtp
    app, later, mid, first, _ = held_past_its_lease(db_url, handler, port)
    assert row(app, mid).status == "review"
    [again] = later.desk().approve([mid], "jana")  # nothing in the mailbox yet: "send it"
    assert again.ok, again.text

    handler.release.set()
    assert first.result().sent == 1
    final = row(app, mid)
    assert final.status == "sent" and final.sent_at is not None
    # The next run has nothing to send: the one copy the relay took is the one the approval asked for.
    later.clock.advance(timedelta(minutes=1))
    assert asyncio.run(later.dispatcher("cron").run_once()).sent == 0
    assert message_ids_on_wire(handler.received) == [final.message_id]
    assert [(a, b) for a, b, _ in log_of(app, mid)][-2:] == [("review", "approved"), ("approved", "sent")]


def test_rejected_from_review_while_the_relay_held_it_stays_rejected_and_the_run_says_it_went(db_url, holding_smtp):
    """A rejection is not overruled, but the run tells that the relay did take the message."""
    handler, port = holding_smtp
    app, later, mid, first, _ = held_past_its_lease(db_url, handler, port)
    [no] = later.desk().reject([mid], "jana", "sent already, says the customer")
    assert no.ok, no.text

    handler.release.set()
    summary = first.result()
    assert row(app, mid).status == "rejected"
    assert any(f"message(s) {mid} " in e and "did go out" in e for e in summary.errors), summary.errors


def test_a_living_sender_keeps_its_claim_while_a_slow_relay_holds_the_message(db_url, holding_smtp):
    """The sender renews its lease while it waits: another sender leaves the message alone, nobody is asked to review."""
    handler, port = holding_smtp
    app = make_app(db_url, port)
    [mid] = approved_messages(app, 1)
    dispatcher = app.dispatcher("slow")
    dispatcher.renew_every = 0.05
    first = Background(lambda: asyncio.run(dispatcher.run_once()))
    assert handler.arrived.wait(10), "the message never reached the relay"
    handed = row(app, mid).lease_until

    # Four minutes of the sender's time go by while the relay still holds the transaction.
    app.clock.advance(timedelta(minutes=4))
    deadline = time.monotonic() + 10
    while row(app, mid).lease_until <= handed:
        assert time.monotonic() < deadline, "the lease was never renewed"
        time.sleep(0.02)

    # Six minutes after the hand-over (the lease is five) another sender starts: the claim is alive.
    later = make_app(db_url, port)
    later.clock.advance(timedelta(minutes=6))
    second = asyncio.run(later.dispatcher("cron").run_once())
    assert second.sent == 0 and second.uncertain == 0
    assert row(app, mid).status == "sending"

    handler.release.set()
    assert first.result().sent == 1
    final = row(app, mid)
    assert final.status == "sent" and final.lease_until is None
    assert message_ids_on_wire(handler.received) == [final.message_id]
    assert [(a, b) for a, b, _ in log_of(app, mid)] == [("approved", "sending"), ("sending", "sent")]


def test_renewing_leaves_claims_it_no_longer_holds_alone(db_url, holding_smtp):
    """A claim settled by someone else is not this worker's any more: renewal changes nothing about it."""
    from nurture.adapters.db.message_store import MessageStore

    _, port = holding_smtp
    app = make_app(db_url, port)
    mine, settled = approved_messages(app, 2)
    with app.factory() as session, session.begin():
        store = MessageStore(session)
        assert sorted(store.claim_due(app.now(), "w1", timedelta(minutes=5), 2)) == [mine, settled]
        store.finish(settled, "w1", "review", app.now(), reason="delivery uncertain: test")
    with app.factory() as session, session.begin():
        assert MessageStore(session).renew_leases("w1", app.now() + timedelta(minutes=3), timedelta(minutes=5)) == 1
        assert MessageStore(session).renew_leases("w2", app.now(), timedelta(minutes=5)) == 0
    assert row(app, mine).lease_until.replace(tzinfo=None) == (app.now() + timedelta(minutes=8)).replace(tzinfo=None)
    assert row(app, settled).status == "review" and row(app, settled).lease_until is None


# --- opt-outs racing people and the planner ---------------------------------------------------------


def before_commit(app: Any, hook: Callable[[], None]) -> None:
    """Run `hook` once, in the next transaction of this app's sessions, right before it commits."""
    from sqlalchemy import event

    fired = []

    def fire(session: Any) -> None:
        if not fired:
            fired.append(True)
            hook()

    event.listen(app.factory, "before_commit", fire)


def test_unsubscribe_while_a_person_approves_cancels_the_approved_message(pg_url, smtp):
    """The approval holds the row when the opt-out arrives: the opt-out waits, then cancels the approval."""
    handler, port = smtp
    app = make_app(pg_url, port)
    cid, mid = greeting_for(app, "mueller@example.de")
    approver = make_app(pg_url, port)
    opting_out: list[Background] = []

    def opt_out_meanwhile() -> None:
        opting_out.append(Background(lambda: unsubscribe_contact(app.factory, cid, app.now(), "recipient", "link")))
        done_or_blocked(opting_out[0], pg_url)

    before_commit(approver, opt_out_meanwhile)
    [result] = approver.desk().approve([mid], "jana", note=NOTE)
    view, cancelled = opting_out[0].result()

    assert result.ok, result.text
    assert view.unsubscribed and cancelled == 1
    final = row(app, mid)
    assert final.status == "rejected" and final.reason == "the contact unsubscribed"
    assert [(a, b) for a, b, _ in log_of(app, mid)] == [
        ("planned", "pending"), ("pending", "approved"), ("approved", "rejected"),
    ]
    # Nothing goes out, even to a sender that runs right after.
    with app.factory() as session, session.begin():
        session.get(Message, mid).send_at = app.now()
    assert asyncio.run(app.dispatcher("w1").run_once()).sent == 0 and handler.received == []


def test_unsubscribe_while_the_planner_decides_leaves_no_message_for_the_contact(pg_url, smtp, monkeypatch):
    """The planner read the contact before the opt-out and writes its decisions after it."""
    import nurture.usecases.plan as plan

    from .conftest import add_contact

    _, port = smtp
    app = make_app(pg_url, port)
    cid = add_contact(app, "mueller@example.de", birthday="1980-11-24")
    real_set_due = plan._set_due
    opting_out: list[Background] = []

    def opt_out_while_deciding(session: Any, changes: Any) -> None:
        if not opting_out:
            opting_out.append(Background(lambda: unsubscribe_contact(app.factory, cid, app.now(), "recipient", "link")))
            done_or_blocked(opting_out[0], pg_url)
        real_set_due(session, changes)

    monkeypatch.setattr(plan, "_set_due", opt_out_while_deciding)
    app.planner().run(app.now())
    view, _ = opting_out[0].result()
    assert view.unsubscribed
    monkeypatch.setattr(plan, "_set_due", real_set_due)
    app.planner().run(app.now())  # and a later run adds nothing either

    with app.factory() as session:
        left = session.execute(select(Message.id, Message.status).where(Message.contact_id == cid)).all()
    assert [m for m in left if m.status != "rejected"] == []
    assert app.desk().pending_ids() == []


def test_two_people_approving_the_same_message_with_different_notes_approve_it_once(pg_url, smtp):
    """Two approvals at the same moment: one wins with its note; the other is told, and changes nothing."""
    import dataclasses

    _, port = smtp
    app = make_app(pg_url, port)
    _, mid = greeting_for(app, "mueller@example.de")
    other = make_app(pg_url, port)
    second: list[Background] = []
    notes = {"jana": "Danke für das Gespräch in Wien.", "tom": "Bis bald in Graz, hoffentlich."}

    def the_other_approves_meanwhile() -> None:
        second.append(Background(lambda: other.desk().approve([mid], "tom", note=notes["tom"])))
        done_or_blocked(second[0], pg_url)

    base = app.desk()
    desk = dataclasses.replace(base, composer=PausingComposer(base.composer, the_other_approves_meanwhile))
    [first] = desk.approve([mid], "jana", note=notes["jana"])
    [later] = second[0].result()

    assert [first.ok, later.ok].count(True) == 1, (first.text, later.text)
    loser = later if first.ok else first
    assert "approved" in loser.text  # told why: it is approved already
    final = row(app, mid)
    winner = final.approved_by
    assert final.status == "approved" and final.note == notes[winner]
    loser_note = notes["tom" if winner == "jana" else "jana"]
    assert notes[winner] in final.text and loser_note not in final.text
    assert final.html is not None and notes[winner] in final.html and loser_note not in final.html
    assert [(a, b) for a, b, _ in log_of(app, mid)] == [("planned", "pending"), ("pending", "approved")]


def test_a_reject_while_the_sender_claims_is_refused_plainly_and_the_send_is_recorded(pg_url, smtp):
    """Too late to reject: the person is told it is being sent; it goes once and is recorded as sent."""
    handler, port = smtp
    app = make_app(pg_url, port)
    [mid] = approved_messages(app, 1)
    rejecting: list[Background] = []

    def build_then_reject(msg: Message, view: Any) -> Any:
        rejecting.append(Background(lambda: app.desk().reject([mid], "jana", "wrong person")))
        done_or_blocked(rejecting[0], pg_url)
        return app.build_mail(msg, view)

    dispatcher = app.dispatcher("w1")
    dispatcher.build = build_then_reject
    assert asyncio.run(dispatcher.run_once()).sent == 1
    [result] = rejecting[0].result()

    assert not result.ok and "being sent right now" in result.text
    final = row(app, mid)
    assert final.status == "sent" and final.reason is None
    assert message_ids_on_wire(handler.received) == [final.message_id]
    assert attempts_of(app, mid) == ["sent"]
    assert [(a, b) for a, b, _ in log_of(app, mid)] == [("approved", "sending"), ("sending", "sent")]
