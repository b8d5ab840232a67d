"""A batch whose checks went stale before its last message: a slow relay, or a sender that was held up.

A sender claims and checks a few messages at once, then writes them to the relay one after the
other. When the relay takes long over one of them, or the sender's process is stopped for a
while, the later ones of the batch must be checked again before they go: another sender may have
settled the claims meanwhile (and a person approved them again), or a contact may have opted out.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Message
from nurture.usecases.unsubscribe import unsubscribe_contact

from .conftest import approved_messages, make_app
from .test_races_with_people import Background, message_ids_on_wire, row


def one_batch(app, name: str):
    dispatcher = app.dispatcher(name)
    dispatcher.concurrency, dispatcher.prefetch = 1, 3  # the three messages in one batch of one worker
    dispatcher.renew_every = 3600  # the hung sender renews nothing
    dispatcher.recheck_after = 0.0  # the relay's hold below is short in real time: check before each one
    return dispatcher


class HoldFirst:
    """Accepts every message; the end of DATA of the first one is answered only once the test lets it."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.arrived = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(envelope.original_content or envelope.content)
        if len(self.received) == 1:
            self.arrived.set()
            await asyncio.to_thread(self.release.wait, 15)
        return "250 Message accepted"


@pytest.fixture
def hold_first() -> Iterator[tuple[HoldFirst, int]]:
    from aiosmtpd.controller import Controller

    from ..conftest import free_port

    handler = HoldFirst()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release.set()
        controller.stop()


def test_a_sender_held_up_past_its_lease_sends_nothing_of_its_batch_it_no_longer_holds(db_url, hold_first):
    handler, port = hold_first
    app = make_app(db_url, port, NURTURE_SMTP__MAX_PER_MINUTE="0")
    first, second, third = approved_messages(app, 3)
    hung = Background(lambda: asyncio.run(one_batch(app, "hung").run_once()))
    assert handler.arrived.wait(10), "the first message never reached the relay"
    # Six minutes on (the lease is five) another sender settles the hung one's claims ...
    later = make_app(db_url, port, NURTURE_SMTP__MAX_PER_MINUTE="0")
    later.clock.advance(timedelta(minutes=6))
    with later.factory() as session, session.begin():
        MessageStore(session).settle_dead_leases(later.now())
    assert {row(app, m).status for m in (first, second, third)} == {"review"}
    # ... a person, finding nothing in the mailboxes, approves the two that never left again, and
    # the other sender sends them.
    assert all(r.ok for r in later.desk().approve([second, third], "jana"))
    assert asyncio.run(later.dispatcher("cron").run_once()).sent == 2
    handler.release.set()  # the relay answers the first one at last; the hung sender goes on
    summary = hung.result()
    assert summary.sent == 1
    assert {row(app, m).status for m in (first, second, third)} == {"sent"}
    with app.factory() as session:
        ids = sorted(m.message_id for m in session.scalars(select(Message)))
    assert sorted(message_ids_on_wire(handler.received)) == ids  # each exactly once


def test_a_contact_who_opts_out_while_the_relay_is_slow_gets_nothing_of_the_batch(db_url, hold_first):
    handler, port = hold_first
    app = make_app(db_url, port, NURTURE_SMTP__MAX_PER_MINUTE="0")
    first, second, third = approved_messages(app, 3)
    sending = Background(lambda: asyncio.run(one_batch(app, "slow").run_once()))
    assert handler.arrived.wait(10), "the first message never reached the relay"
    assert row(app, second).status == "sending"
    unsubscribe_contact(app.factory, row(app, second).contact_id, app.now(), "recipient", "link")
    handler.release.set()
    summary = sending.result()
    assert summary.sent == 2 and summary.skipped == 1
    gone = row(app, second)
    assert gone.status == "failed" and gone.reason == "not sent: the contact has unsubscribed"
    assert message_ids_on_wire(handler.received) == [row(app, first).message_id, row(app, third).message_id]
