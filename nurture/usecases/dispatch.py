"""Sending approved, due messages: claim, re-check, hand to the relay, record — exactly once.

Each worker coroutine claims one message at a time (a lease in the database, committed),
re-checks consent, unsubscribe and bounce state right before sending (product rule 5),
builds the bytes once and stores them (so a retry reuses the same Message-ID and Date),
marks the hand-over, sends on its own reused SMTP connection and records the outcome.
A refusal aimed at the sender rather than the message (AUTH, TLS, a 5xx greeting, sender
policy) pauses the relay and puts the message back without spending one of its attempts.
A crash before the hand-over re-queues; after it, the message goes to review, never twice.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import to_view
from nurture.adapters.db.engine import DatabaseProblem
from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Contact, DeliveryAttempt, Message
from nurture.outbox.policy import DeliveryResult, Outcome, retry_delay
from nurture.rendering.mime import SerializedMail


class Transport(Protocol):
    async def send(self, mail: SerializedMail) -> DeliveryResult: ...
    async def close(self) -> None: ...


class Limiter(Protocol):
    async def acquire(self) -> None: ...


MailBuilder = Callable[[Message, Any], SerializedMail]


@dataclass
class SendSummary:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    uncertain: int = 0
    skipped: int = 0
    requeued: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent, "retry": self.retry, "failed": self.failed, "uncertain": self.uncertain,
            "skipped": self.skipped, "requeued": self.requeued, "seconds": round(self.seconds, 3),
            **({"errors": self.errors} if self.errors else {}),
        }  # fmt: skip


@dataclass
class Dispatcher:
    factory: sessionmaker[Session]
    transports: Callable[[], Transport]
    build: MailBuilder
    clock: Callable[[], datetime]
    limiter: Limiter
    worker: str
    concurrency: int = 4
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 8
    retry_base: timedelta = timedelta(minutes=5)
    rng: random.Random = field(default_factory=random.Random)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    progress: Callable[[SendSummary], None] | None = None
    # Set when the relay asks us to back off (421, TLS or AUTH trouble): no new claims this run.
    relay_paused: bool = False

    async def run_once(self, limit: int | None = None) -> SendSummary:
        """Send what is due now, with `concurrency` connections, then return."""
        self.relay_paused = False
        summary = SendSummary()
        started = time.perf_counter()
        budget = [limit if limit is not None else -1]
        await asyncio.gather(*(self._worker(summary, budget) for _ in range(max(1, self.concurrency))))
        summary.seconds = time.perf_counter() - started
        return summary

    async def _worker(self, summary: SendSummary, budget: list[int]) -> None:
        transport: Transport | None = None
        try:
            while not self.stopping.is_set() and not self.relay_paused and budget[0] != 0:
                budget[0] -= 1
                mid = await asyncio.to_thread(self._claim)
                if mid is None:
                    return
                if transport is None:
                    transport = self.transports()
                await self._deliver(mid, transport, summary)
                if self.progress is not None:
                    self.progress(summary)
        finally:
            if transport is not None:
                await transport.close()

    def _claim(self) -> int | None:
        with self.factory() as session, session.begin():
            ids = MessageStore(session).claim_due(self.clock(), self.worker, self.lease, 1)
        return ids[0] if ids else None

    def _prepare(self, mid: int) -> SerializedMail | str:
        """Re-check the contact and build (or reuse) the bytes; returns the mail or why not."""
        with self.factory() as session, session.begin():
            store = MessageStore(session)
            row = store.get(mid)
            contact = session.get(Contact, row.contact_id)
            view = to_view(contact) if contact is not None else None
            blocked = view.blocked_reason() if view is not None else "contact deleted"
            now = self.clock()
            if blocked:
                store.finish(mid, self.worker, "failed", now, reason=f"not sent: the contact's {blocked}")
                return blocked
            mail = self.build(row, view)
            if row.raw is None:
                session.execute(update(Message).where(Message.id == mid).values(raw=mail.data))
            else:
                mail = SerializedMail(row.raw, mail.sender, mail.recipients, mail.smtputf8)
            return mail

    def _hand_over(self, mid: int) -> bool:
        """Committed right before the SMTP transaction: from here on a crash means 'uncertain'."""
        with self.factory() as session, session.begin():
            return MessageStore(session).mark_handed(mid, self.worker, self.clock(), self.lease)

    async def _deliver(self, mid: int, transport: Transport, summary: SendSummary) -> None:
        prepared = await asyncio.to_thread(self._prepare, mid)
        if isinstance(prepared, str):
            summary.skipped += 1
            return
        await self.limiter.acquire()
        if not await asyncio.to_thread(self._hand_over, mid):
            summary.skipped += 1
            return
        started = self.clock()
        try:
            result = await transport.send(prepared)
        except Exception as exc:  # a bug in the transport must not lose the message
            result = DeliveryResult(Outcome.UNCERTAIN, None, f"unexpected error: {exc!r}")
        await self._record_surely(mid, started, result, summary)
        if result.pause_relay:
            self.relay_paused = True
            summary.errors.append(f"relay asked to pause: {result.code or ''} {result.text}".strip())

    async def _record_surely(self, mid: int, started: datetime, result: DeliveryResult, summary: SendSummary) -> None:
        """Record the outcome, waiting out a short database outage (a restart, a full disk).

        The relay's answer is known now and lost if this fails: the lease would expire and a
        message that did arrive would go to review as "delivery uncertain". So retry for up to
        half the lease (a few seconds once the daemon is stopping), then give up and let the
        lease decide; the outcome is one transaction, so a retry never records half of it.
        """
        deadline = time.monotonic() + self.lease.total_seconds() / 2
        pause = 0.5
        while True:
            counts = (summary.sent, summary.retry, summary.failed, summary.uncertain)
            try:
                await asyncio.to_thread(self._record, mid, started, result, summary)
                return
            except (DatabaseProblem, OperationalError):
                summary.sent, summary.retry, summary.failed, summary.uncertain = counts
                if self.stopping.is_set():
                    deadline = min(deadline, time.monotonic() + 5.0)
                if time.monotonic() + pause > deadline:
                    raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    def _record(self, mid: int, started: datetime, result: DeliveryResult, summary: SendSummary) -> None:
        with self.factory() as session, session.begin():
            store = MessageStore(session)
            row = store.get(mid)
            now = self.clock()
            store.record_attempt(
                DeliveryAttempt(
                    message_id=mid, attempt_no=row.attempts, worker=self.worker, started_at=started,
                    finished_at=now, outcome=result.outcome.name.lower(), smtp_code=result.code,
                    smtp_text=result.text[:1000],
                )
            )  # fmt: skip
            reply = f"{result.code} {result.text}".strip() if result.code else result.text
            if result.outcome is Outcome.SENT:
                if store.finish(mid, self.worker, "sent", now, sent_at=now, reason=None):
                    session.execute(
                        update(Contact)
                        .where(Contact.id == row.contact_id)
                        .values(last_touch_at=now, next_due_at=None)
                    )
                summary.sent += 1
            elif (result.outcome is Outcome.FAILED and result.pause_relay) or (
                result.outcome is Outcome.RETRY and result.relay_only
            ):
                # The relay refuses us (greeting, TLS, AUTH, sender policy, quota) or cannot be
                # reached, not this message: every message would fare alike, and a relay that is
                # down for a night must not use up the attempts of everything approved. The run
                # stops (relay_paused) and the message waits, without spending an attempt, until
                # the relay accepts again; the run reports why.
                delay = retry_delay(1, self.retry_base, self.rng)
                why = "the relay refused us" if result.outcome is Outcome.FAILED else "the relay is not reachable"
                store.finish(mid, self.worker, "approved", now, handed_at=None, next_attempt_at=now + delay,
                             attempts=max(row.attempts - 1, 0), reason=f"waiting: {why}: {reply}")
                summary.retry += 1
            elif result.outcome is Outcome.RETRY and row.attempts < self.max_attempts:
                delay = retry_delay(row.attempts, self.retry_base, self.rng)
                store.finish(mid, self.worker, "approved", now, handed_at=None, next_attempt_at=now + delay,
                             reason=f"retrying after {reply}")
                summary.retry += 1
            elif result.outcome is Outcome.UNCERTAIN:
                store.finish(mid, self.worker, "review", now, reason=f"delivery uncertain: {reply}; check the "
                             "recipient's mailbox or the relay log, then approve it again or reject it")
                summary.uncertain += 1
            else:
                why = reply if result.outcome is Outcome.FAILED else f"gave up after {row.attempts} attempts: {reply}"
                store.finish(mid, self.worker, "failed", now, reason=why)
                if result.bounce:
                    session.execute(update(Contact).where(Contact.id == row.contact_id).values(bounced=True))
                summary.failed += 1

    def due(self, limit: int = 1000) -> Sequence[Message]:
        """What would go now (for `send --dry-run`)."""
        with self.factory() as session:
            return list(session.scalars(MessageStore.due(select(Message), self.clock()).limit(limit)))
