"""Sending approved, due messages: claim, re-check, hand to the relay, record — exactly once.

Each worker coroutine claims a few messages at a time (leases in the database, committed) and
builds their bytes outside any transaction. For each one, once the rate limiter grants a slot,
one transaction re-checks consent, unsubscribe and bounce state (product rule 5), stores the
bytes (so a retry reuses the same Message-ID and Date) and marks the hand-over; then the
message goes out on the worker's own reused SMTP connection and the outcome is recorded at
once. Claims not handed over when the run stops or the relay pauses are given back.
A refusal aimed at the sender rather than the message (AUTH, TLS, a 5xx greeting, sender
policy) pauses the relay and puts the message back without spending one of its attempts.
A crash before the hand-over re-queues; after it, the message goes to review, never twice.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import random
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import to_view
from nurture.adapters.db.engine import DatabaseProblem
from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Message
from nurture.outbox.policy import DeliveryResult, Outcome, retry_delay
from nurture.rendering.mime import HeaderInjection, SerializedMail


class Transport(Protocol):
    async def send(self, mail: SerializedMail) -> DeliveryResult: ...
    async def close(self) -> None: ...


class Limiter(Protocol):
    async def acquire(self) -> None: ...


MailBuilder = Callable[[Message, Any], SerializedMail]
_T = TypeVar("_T")
_log = logging.getLogger("nurture.send")

# One thread per SQLite engine for the dispatcher's transactions (see Dispatcher._db).
_serial: weakref.WeakKeyDictionary[Any, ThreadPoolExecutor] = weakref.WeakKeyDictionary()
_serial_lock = threading.Lock()


def _serial_executor(factory: sessionmaker[Session]) -> ThreadPoolExecutor | None:
    engine = getattr(factory, "kw", {}).get("bind")
    if engine is None or getattr(getattr(engine, "dialect", None), "name", None) != "sqlite":
        return None
    with _serial_lock:
        executor = _serial.get(engine)
        if executor is None:
            executor = _serial[engine] = ThreadPoolExecutor(1, thread_name_prefix="nurture-sqlite")
        return executor


def _addressing(view: Any) -> tuple[Any, ...]:
    """What of a contact the bytes depend on: when this changed since the claim, build anew."""
    return (view.id, view.email, view.full_name) if view is not None else ()


@dataclass
class _DatabaseTrouble:
    """The hand-over that followed a recorded outcome failed; raised once the outcome is safe."""

    error: Exception


@dataclass
class _Claim:
    """A message this worker holds, as read with the claim, and its contact at that time."""

    row: Any  # the `messages` row as claimed
    view: Any  # its contact then (a ContactView), or None when gone
    mail: SerializedMail | None = None  # built from these after the claim, before the hand-over
    built: bool = False


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
    prefetch: int = 4  # messages a worker claims per transaction (given back if the run stops first)
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
        # Claims of a killed sender are settled once per run, before anything is claimed.
        await self._db(self._settle_dead_leases)
        await asyncio.gather(*(self._worker(summary, budget) for _ in range(max(1, self.concurrency))))
        summary.seconds = time.perf_counter() - started
        return summary

    async def _db(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Run database work in a thread; on SQLite in the one thread of this engine.

        SQLite has a single writer: threads of one process that race for it sleep in the busy
        handler (milliseconds each time) instead of queueing. Handing all of this process's
        sending transactions to one thread queues them without those sleeps; other processes
        still meet the busy timeout as before. PostgreSQL takes them in parallel.
        """
        executor = _serial_executor(self.factory)
        if executor is None:
            return await asyncio.to_thread(fn, *args)
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(executor, call)

    def _settle_dead_leases(self) -> None:
        with self.factory() as session, session.begin():
            MessageStore(session).settle_dead_leases(self.clock())

    def _batch(self) -> int:
        """How many messages a worker claims at once: a few, unless a slow rate cap would let them age.

        Claims wait their turn at the rate limiter; the last of a batch must be handed over well
        inside its lease.
        """
        size = max(1, self.prefetch)
        interval = float(getattr(self.limiter, "interval", 0.0) or 0.0)
        if interval > 0:
            fits = int(self.lease.total_seconds() / 4 / (interval * max(1, self.concurrency)))
            size = max(1, min(size, fits))
        return size

    def _going_on(self, budget: list[int]) -> bool:
        return not self.stopping.is_set() and not self.relay_paused and budget[0] != 0

    async def _worker(self, summary: SendSummary, budget: list[int]) -> None:
        transport: Transport | None = None
        held: list[_Claim] = []  # claimed by this worker, not handed over yet
        handed: tuple[_Claim, SerializedMail] | None = None  # committed as handed over: send it now
        try:
            while handed is not None or self._going_on(budget):
                if handed is None:
                    if not held:
                        want, reserved = self._reserve(budget)
                        held = await self._db(self._claim, want)
                        self._unreserve(budget, reserved, len(held))
                        if not held:
                            return
                    claim = held.pop(0)
                    self._build_once(claim)
                    await self.limiter.acquire()
                    handed = self._handed(claim, await self._db(self._hand_over, claim), summary)
                    if handed is None:
                        continue
                claim, mail = handed
                handed = None
                if held:
                    self._build_once(held[0])  # ready for its hand-over right after this outcome
                if transport is None:
                    transport = self.transports()
                started = self.clock()
                try:
                    result = await transport.send(mail)
                except Exception as exc:  # a bug in the transport must not lose the message
                    result = DeliveryResult(Outcome.UNCERTAIN, None, f"unexpected error: {exc!r}")
                # The outcome is recorded at once. When the next message may go at once too, its
                # hand-over follows in the same trip to the database (in its own transaction), and
                # when it was the last one held, so does the claim of the next few.
                after, want, reserved = None, 0, 0
                if held and not result.pause_relay and self._going_on(budget) and self._slot_now():
                    after = held.pop(0)
                    if not held:
                        want, reserved = self._reserve(budget)
                try:
                    handed_after, more = await self._record_surely(claim, started, result, summary, after, want)
                except BaseException:
                    if after is not None:
                        held.insert(0, after)
                    self._unreserve(budget, reserved, 0)
                    raise
                self._unreserve(budget, reserved, len(more))
                held += more
                if result.pause_relay:
                    self.relay_paused = True
                    summary.errors.append(f"relay asked to pause: {result.code or ''} {result.text}".strip())
                if after is not None:
                    if isinstance(handed_after, _DatabaseTrouble):
                        held.insert(0, after)  # not handed over: given back below
                        raise handed_after.error
                    handed = self._handed(after, handed_after, summary)
                if self.progress is not None:
                    self.progress(summary)
        finally:
            try:
                if held:
                    await self._release(held)
            finally:
                if transport is not None:
                    await transport.close()

    @staticmethod
    def _handed(
        claim: _Claim, outcome: SerializedMail | str | None, summary: SendSummary
    ) -> tuple[_Claim, SerializedMail] | None:
        if isinstance(outcome, SerializedMail):
            return claim, outcome
        summary.skipped += 1  # the contact may not be mailed now, or the claim is no longer ours
        return None

    def _slot_now(self) -> bool:
        """Whether the rate limiter grants the next message a slot without waiting (then it is taken)."""
        try_acquire = getattr(self.limiter, "try_acquire", None)
        return bool(try_acquire()) if try_acquire is not None else False

    def _reserve(self, budget: list[int]) -> tuple[int, int]:
        """How many to claim next, and how many of them are taken from the run's limit (before the await)."""
        want = self._batch()
        if budget[0] > 0:
            want = min(want, budget[0])
            budget[0] -= want  # workers never claim past the limit
            return want, want
        return want, 0

    @staticmethod
    def _unreserve(budget: list[int], reserved: int, got: int) -> None:
        if reserved:
            budget[0] += reserved - got

    def _build_once(self, claim: _Claim) -> None:
        """The bytes, built outside any transaction from the contact as read with the claim.

        The hand-over re-checks the contact and builds anew only if its address or name changed.
        """
        if claim.built:
            return
        claim.built = True
        try:
            claim.mail = self._prepare(claim)
        except Exception:  # built again at its hand-over, where the error surfaces for this one only
            claim.mail = None

    def _claim(self, count: int) -> list[_Claim]:
        """Claim up to `count` messages and read them with their contacts, in one transaction."""
        with self.factory() as session, session.begin():
            store = MessageStore(session)
            ids = store.claim_due(self.clock(), self.worker, self.lease, count, settle=False)
            found = store.with_contacts(ids) if ids else []
        return [_Claim(row, to_view(contact) if contact is not None else None) for row, contact in found]

    async def _release(self, held: list[_Claim]) -> None:
        """Claims this run will not get to (it stops, or the relay paused): queued again at once."""
        ids = [claim.row.id for claim in held]
        held.clear()
        try:
            await self._db(self._release_now, ids)
        except (DatabaseProblem, OperationalError) as exc:
            # Never handed over: when their lease runs out they are queued again all the same.
            _log.warning(f"{len(ids)} claimed message(s) not given back yet ({exc}); they are queued again "
                         "when their lease runs out")  # fmt: skip

    def _release_now(self, ids: list[int]) -> None:
        with self.factory() as session, session.begin():
            MessageStore(session).release_unsent(ids, self.worker, self.clock(), "not sent in this run; queued again")

    def _build(self, claim: _Claim, view: Any) -> SerializedMail:
        """The bytes to send: built now, or the ones stored by an earlier attempt (same Message-ID, Date)."""
        mail = self.build(claim.row, view)
        if claim.row.raw is not None:
            mail = SerializedMail(claim.row.raw, mail.sender, mail.recipients, mail.smtputf8)
        return mail

    def _prepare(self, claim: _Claim) -> SerializedMail | None:
        """Build the bytes outside any transaction, from the contact as read with the claim."""
        view = claim.view
        if view is None or view.blocked_reason():
            return None  # decided (and recorded) by the re-check at hand-over
        return self._build(claim, view)

    def _hand_over(self, claim: _Claim) -> SerializedMail | str | None:
        """Re-check the contact, store the bytes and mark the hand-over, in one transaction.

        Committed right before the SMTP transaction: from here on a crash means 'uncertain'.
        Returns the mail to send, why the contact may not be mailed, or None when the claim is
        no longer this worker's.
        """
        row = claim.row
        with self.factory() as session, session.begin():
            store = MessageStore(session)
            contact = store.contact_row(row.contact_id)
            view = to_view(contact) if contact is not None else None
            blocked = view.blocked_reason() if view is not None else "contact deleted"
            now = self.clock()
            if blocked:
                store.finish(row.id, self.worker, "failed", now, reason=f"not sent: the contact's {blocked}")
                return blocked
            mail = claim.mail
            if mail is None or _addressing(view) != _addressing(claim.view):
                try:
                    mail = self._build(claim, view)  # the contact changed since the claim: build anew
                except HeaderInjection as exc:
                    # A stored address or name that cannot go into a header safely (a line break,
                    # a control character): this message fails with the reason, the run goes on.
                    why = f"not sent: {exc}; correct the contact's record (`nurture contacts edit`)"
                    store.finish(row.id, self.worker, "failed", now, reason=why)
                    return why
            raw = mail.data if row.raw is None else None
            if not store.mark_handed(row.id, self.worker, now, self.lease, raw=raw):
                return None
            return mail

    async def _record_surely(
        self, claim: _Claim, started: datetime, result: DeliveryResult, summary: SendSummary,
        then: _Claim | None = None, claim_more: int = 0,
    ) -> tuple[SerializedMail | str | None | _DatabaseTrouble, list[_Claim]]:  # fmt: skip
        """Record the outcome, waiting out a short database outage (a restart, a full disk).

        The relay's answer is known now and lost if this fails: the lease would expire and a
        message that did arrive would go to review as "delivery uncertain". So retry for up to
        half the lease (a few seconds once the daemon is stopping), then give up and let the
        lease decide; the outcome is one transaction, so a retry never records half of it.

        Then, each in a transaction of its own: `then`, a claim whose rate-limit slot is taken,
        is handed over (see `_hand_over`), and `claim_more` messages are claimed. Returns what
        the hand-over gave and the new claims.
        """
        deadline = time.monotonic() + self.lease.total_seconds() / 2
        pause = 0.5
        while True:
            counts = (summary.sent, summary.retry, summary.failed, summary.uncertain)
            try:
                return await self._db(self._record_and_go_on, claim, started, result, summary, then, claim_more)
            except (DatabaseProblem, OperationalError):
                summary.sent, summary.retry, summary.failed, summary.uncertain = counts
                if self.stopping.is_set():
                    deadline = min(deadline, time.monotonic() + 5.0)
                if time.monotonic() + pause > deadline:
                    raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    def _record_and_go_on(
        self, claim: _Claim, started: datetime, result: DeliveryResult, summary: SendSummary,
        then: _Claim | None, claim_more: int,
    ) -> tuple[SerializedMail | str | None | _DatabaseTrouble, list[_Claim]]:  # fmt: skip
        self._record(claim, started, result, summary)
        # The outcome above is committed: nothing below may make it be recorded again.
        if then is None:
            return None, []
        try:
            handed = self._hand_over(then)
        except Exception as exc:
            return _DatabaseTrouble(exc), []
        more: list[_Claim] = []
        if claim_more:
            try:
                more = self._claim(claim_more)
            except Exception as exc:  # claimed again later, on the usual path
                _log.debug(f"claiming ahead failed: {exc}")
        return handed, more

    def _record(self, claim: _Claim, started: datetime, result: DeliveryResult, summary: SendSummary) -> None:
        # The claim holds what this needs of the row: attempts and contact change only with the claim.
        row = claim.row
        mid = row.id
        with self.factory() as session, session.begin():
            store = MessageStore(session)
            now = self.clock()
            store.add_attempt(message_id=mid, attempt_no=row.attempts, worker=self.worker, started_at=started,
                              finished_at=now, outcome=result.outcome.name.lower(), smtp_code=result.code,
                              smtp_text=result.text[:1000])  # fmt: skip
            reply = f"{result.code} {result.text}".strip() if result.code else result.text
            if result.outcome is Outcome.SENT:
                if store.finish(mid, self.worker, "sent", now, sent_at=now, reason=None):
                    store.touch_contact(row.contact_id, now)
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
                    store.mark_bounced(row.contact_id)
                summary.failed += 1

    def due(self, limit: int = 1000) -> Sequence[Message]:
        """What would go now (for `send --dry-run`)."""
        with self.factory() as session:
            return list(session.scalars(MessageStore.due(select(Message), self.clock()).limit(limit)))
