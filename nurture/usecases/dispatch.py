"""Sending approved, due messages: claim, re-check, hand to the relay, record — exactly once.

Each worker coroutine has an SMTP connection of its own, reused, and works in small batches:

1. one transaction claims the next few due messages (leases), re-reads their contacts and
   re-checks consent, unsubscribe and bounce state (product rule 5), builds their bytes and
   stores them (so a retry reuses the same Message-ID and Date) and marks them handed over;
2. the messages go out one after the other, each when the rate limiter grants its slot;
3. one transaction records every outcome of the batch.

A batch holds what goes out within about a second, so the re-check stays right before each
send; under a slow rate cap a batch is a single message, checked once its slot has come.
From the hand-over on, a crash means "delivery uncertain" (review), never a second send —
for up to one batch per connection;
messages of a batch the run did not get to (it stops, or the relay asks to pause) are given
back at once, their attempt not spent. A refusal aimed at the sender rather than the message
(AUTH, TLS, a 5xx greeting, sender policy) pauses the relay and puts the message back
without spending one of its attempts. Working in batches keeps the database's share of a
send small: two transactions per batch (each statement covering the whole batch) instead of
two per message.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from nurture.adapters.db.engine import DatabaseProblem, database_problem
from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Message
from nurture.domain.vocabulary import UNCERTAIN
from nurture.outbox.policy import DeliveryResult, Outcome, retry_delay
from nurture.rendering.mime import SerializedMail


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


@dataclass
class _Claim:
    """A message this worker holds, as read with the claim (its bytes stored at the hand-over or not)."""

    row: Any  # the `messages` row as claimed

    @property
    def fresh_raw(self) -> bool:
        """The bytes were stored by this hand-over (the row brought none from an earlier attempt)."""
        return self.row.raw is None


@dataclass
class _Sent:
    """What the relay said about one message of a batch, waiting to be recorded with the others."""

    claim: _Claim
    started: datetime
    finished: datetime
    result: DeliveryResult


@dataclass
class SendSummary:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    uncertain: int = 0
    skipped: int = 0
    requeued: int = 0
    expired: int = 0  # greetings whose day ended (and stale drops), expired before this run claimed
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent, "retry": self.retry, "failed": self.failed, "uncertain": self.uncertain,
            "skipped": self.skipped, "requeued": self.requeued, "expired": self.expired,
            "seconds": round(self.seconds, 3),
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
    prefetch: int = 8  # messages a worker claims and hands over per transaction, at most
    batch_window: float = 1.0  # seconds of sending a batch may cover under a rate cap (keeps re-checks fresh)
    # A batch older than this is checked again before its next message goes (see `_recheck`).
    recheck_after: float = 1.0
    lease: timedelta = timedelta(minutes=5)
    renew_every: float | None = None  # seconds between lease renewals while the run lasts; default a third of the lease
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
        # Claims of a killed sender are settled once per run, before anything is claimed, and what
        # may no longer go (a greeting whose day ended) is expired, so it is not left `approved`.
        summary.expired = await self._db(self._settle_dead_leases)
        keeper = asyncio.create_task(self._keep_leases())
        try:
            await asyncio.gather(*(self._worker(summary, budget) for _ in range(max(1, self.concurrency))))
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
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

    async def _keep_leases(self) -> None:
        """Renew this run's leases while it lasts, so only a sender that died loses its claims.

        A send to a slow relay may take longer than the lease (`data_timeout` alone is ten
        minutes by default); without renewal another sender would take the waiting messages
        for a dead sender's and put them in review. A run that hangs stops renewing with its
        event loop, and a run that is over renews nothing.
        """
        every = self.renew_every if self.renew_every is not None else self.lease.total_seconds() / 3
        told = False
        while True:
            await asyncio.sleep(max(every, 0.01))
            try:
                await self._db(self._renew_leases)
                told = False
            except Exception as exc:  # the sending goes on; a lease that runs out sends nothing twice
                if not told:
                    told = True
                    why = database_problem(exc) or repr(exc)
                    _log.warning(f"the leases of the messages being sent cannot be renewed: {why}; retrying")

    def _renew_leases(self) -> None:
        with self.factory() as session, session.begin():
            MessageStore(session).renew_leases(self.worker, self.clock(), self.lease)

    def _settle_dead_leases(self) -> int:
        with self.factory() as session, session.begin():
            store, now = MessageStore(session), self.clock()
            store.settle_dead_leases(now)
            return len(store.expire_missed(now))

    def _batch(self) -> int:
        """How many messages a worker claims at once: a few, fewer under a rate cap.

        Every message of a batch is re-checked at its hand-over, before the first of them goes;
        under a cap the last one waits for its slot, so a batch covers at most `batch_window`
        seconds of this worker's sending (one message when the cap is slower than that).
        """
        size = max(1, self.prefetch)
        interval = float(getattr(self.limiter, "interval", 0.0) or 0.0)
        if interval > 0:
            fits = int(self.batch_window / (interval * max(1, self.concurrency)))
            size = max(1, min(size, fits))
        return size

    def _going_on(self, budget: list[int]) -> bool:
        return self._sending_on() and budget[0] != 0

    def _sending_on(self) -> bool:
        return not self.stopping.is_set() and not self.relay_paused

    async def _worker(self, summary: SendSummary, budget: list[int]) -> None:
        transport: Transport | None = None
        outcomes: list[_Sent] = []  # answered by the relay, not recorded yet
        batch: list[tuple[_Claim, SerializedMail]] = []  # handed over, not written to the relay yet
        in_flight = False  # the first of `batch` is with the relay: if we stop now, its fate is unknown
        try:
            while True:
                if outcomes:
                    await self._record_surely(outcomes, summary)
                    outcomes = []
                    if self.progress is not None:
                        self.progress(summary)
                if not self._going_on(budget):
                    return
                want, reserved = self._reserve(budget)
                await self.limiter.acquire()  # the first message's slot, taken before its re-check
                claimed = 0
                try:
                    batch, claimed, skipped = await self._db(self._claim_and_hand_over, want)
                finally:
                    self._unreserve(budget, reserved, claimed)
                summary.skipped += skipped
                if not claimed:
                    return
                checked = time.monotonic()
                first = True
                while batch and (first or self._sending_on()):
                    if not first:
                        await self.limiter.acquire()
                    first = False
                    if time.monotonic() - checked > self.recheck_after:
                        # A slow relay (or a pause of this process) made the batch's checks stale.
                        batch, skipped = await self._recheck(batch)
                        summary.skipped += skipped
                        checked = time.monotonic()
                        if not batch:
                            break
                    claim, mail = batch[0]
                    if transport is None:
                        transport = self.transports()
                    started = self.clock()
                    in_flight = True
                    try:
                        result = await transport.send(mail)
                    except Exception as exc:  # a bug in the transport must not lose the message
                        result = DeliveryResult(Outcome.UNCERTAIN, None, f"unexpected error: {exc!r}")
                    in_flight = False
                    batch.pop(0)
                    outcomes.append(_Sent(claim, started, self.clock(), result))
                    if result.pause_relay:
                        self.relay_paused = True
                        reply = " ".join(str(part) for part in (result.code, result.text) if part)
                        summary.errors.append(f"relay asked to pause: {reply}")
                if batch:
                    rest, batch = batch, []
                    await self._give_back(rest)
        finally:
            try:
                if outcomes:  # the run is failing: one more try, else the leases decide (review)
                    await self._record_last(outcomes, summary)
            finally:
                try:
                    rest = batch[1:] if in_flight else batch
                    if rest:
                        await self._give_back(rest)
                finally:
                    if transport is not None:
                        await transport.close()

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

    def _build(self, row: Any, view: Any) -> SerializedMail:
        """The bytes to send: built now, or the ones stored by an earlier attempt (same Message-ID, Date)."""
        mail = self.build(row, view)
        if row.raw is not None:
            mail = SerializedMail(row.raw, mail.sender, mail.recipients, mail.smtputf8)
        return mail

    def _claim_and_hand_over(self, count: int) -> tuple[list[tuple[_Claim, SerializedMail]], int, int]:
        """Claim up to `count` messages, re-check their contacts, build and hand them over: one transaction.

        Committed right before the batch's SMTP transactions: from here on a crash means
        'uncertain'. Returns the messages to send, how many were claimed, and how many of those
        may not be mailed now (recorded as failed with the reason).
        """
        with self.factory() as session, session.begin():
            store = MessageStore(session)
            now = self.clock()
            ids = store.claim_due(now, self.worker, self.lease, count, settle=False)
            if not ids:
                return [], 0, 0
            ready: list[tuple[_Claim, SerializedMail]] = []
            for row, contact in store.with_contacts(ids):
                view = to_view(contact) if contact is not None else None
                blocked = view.blocked_reason() if view is not None else "contact deleted"
                if blocked:
                    store.finish(row.id, self.worker, "failed", now, reason=f"not sent: {blocked}")
                    continue
                try:
                    mail = self._build(row, view)
                except ValueError as exc:
                    # A stored address or name that cannot go into a header safely (a line break,
                    # a control character): this message fails with the reason, the run goes on.
                    why = f"not sent: {exc}; correct the contact's record (`nurture contacts edit`)"
                    store.finish(row.id, self.worker, "failed", now, reason=why)
                    continue
                ready.append((_Claim(row), mail))
            store.hand_over_claimed(
                [(c.row.id, mail.data if c.fresh_raw else None) for c, mail in ready], self.worker, now, self.lease
            )
        return ready, len(ids), len(ids) - len(ready)

    async def _recheck(self, batch: list[tuple[_Claim, SerializedMail]]) -> tuple[list[tuple[_Claim, SerializedMail]], int]:
        """The batch's messages that may still go: still this worker's claims, to contacts that may still be mailed.

        The checks made at the hand-over hold for the next second or so; a relay that takes many
        seconds per message, or a sender process that was stopped for a while, makes them stale
        before the batch's last message goes. So each later message is checked again first: a
        claim another sender has settled meanwhile (its lease ran out) is left alone — it is not
        this worker's any more, and sending it could send it twice — and a contact who
        unsubscribed, bounced or lost the legal basis meanwhile gets nothing (recorded as failed
        with the reason, as at the hand-over). Returns the rest of the batch and how many of it
        may not be mailed now. Should the database not answer, the batch stops here and its rest
        goes back to the queue (or, failing that too, to review when its lease runs out).
        """
        try:
            kept, skipped = await self._db(self._recheck_now, [claim.row.id for claim, _ in batch])
        except (DatabaseProblem, OperationalError) as exc:
            _log.warning(f"the next {len(batch)} message(s) could not be checked again before sending "
                         f"({database_problem(exc)}); they are not sent in this run")  # fmt: skip
            await self._give_back(batch)
            return [], 0
        lost = [claim.row.id for claim, _ in batch if claim.row.id not in kept and claim.row.id not in skipped]
        if lost:
            _log.warning(f"message(s) {', '.join(map(str, lost))} are no longer this sender's (it was held up past "
                         "its lease and another sender has settled them); not sent from here")  # fmt: skip
        return [(claim, mail) for claim, mail in batch if claim.row.id in kept], len(skipped)

    def _recheck_now(self, ids: list[int]) -> tuple[set[int], set[int]]:
        """(ids still held and mailable, ids held but whose contact may not be mailed now: recorded as failed)."""
        with self.factory() as session, session.begin():
            store, now = MessageStore(session), self.clock()
            held = store.keep_claims(ids, self.worker, now, self.lease)
            kept: set[int] = set()
            refused: set[int] = set()
            for row, contact in store.with_contacts(sorted(held)):
                blocked = to_view(contact).blocked_reason() if contact is not None else "contact deleted"
                if blocked:
                    store.finish(row.id, self.worker, "failed", now, reason=f"not sent: {blocked}")
                    refused.add(row.id)
                else:
                    kept.add(row.id)
            return kept, refused

    async def _give_back(self, rest: list[tuple[_Claim, SerializedMail]]) -> None:
        """Handed over but never written to the relay (the run stops, or the relay paused): queued again."""
        ids = [claim.row.id for claim, _ in rest]
        fresh = [claim.row.id for claim, _ in rest if claim.fresh_raw]
        try:
            await self._db(self._give_back_now, ids, fresh)
        except (DatabaseProblem, OperationalError) as exc:
            # They stay handed over: when their lease runs out they go to review, never out twice.
            _log.warning(f"{len(ids)} message(s) not sent in this run could not be given back ({exc}); they "
                         "go to review when their lease runs out")  # fmt: skip

    def _give_back_now(self, ids: list[int], fresh: list[int]) -> None:
        with self.factory() as session, session.begin():
            MessageStore(session).release_handed(ids, self.worker, self.clock(), "not sent in this run; queued again",
                                                 forget_raw=fresh)  # fmt: skip

    async def _record_surely(self, outcomes: Sequence[_Sent], summary: SendSummary) -> None:
        """Record the batch's outcomes, waiting out a short database outage (a restart, a full disk).

        The relay's answers are known now and lost if this fails: the leases would expire and
        messages that did arrive would go to review as "delivery uncertain". So retry for up to
        half the lease (a few seconds once the daemon is stopping), then give up and let the
        leases decide; the outcomes are one transaction, so a retry never records half of them.
        """
        deadline = time.monotonic() + self.lease.total_seconds() / 2
        pause = 0.5
        told = False
        while True:
            try:
                await self._record_last(outcomes, summary, quiet=False)
                return
            except (DatabaseProblem, OperationalError) as exc:
                if not told:  # said at once, not only when the retries run out
                    told = True
                    _log.warning(f"the outcomes of {len(outcomes)} message(s) cannot be recorded yet: "
                                 f"{database_problem(exc)}; retrying")  # fmt: skip
                if self.stopping.is_set():
                    deadline = min(deadline, time.monotonic() + 5.0)
                if time.monotonic() + pause > deadline:
                    raise
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def _record_last(self, outcomes: Sequence[_Sent], summary: SendSummary, quiet: bool = True) -> None:
        """One attempt at recording; the summary counts only what was committed."""
        counts = (summary.sent, summary.retry, summary.failed, summary.uncertain)
        try:
            await self._db(self._record, outcomes, summary)
        except (DatabaseProblem, OperationalError) as exc:
            summary.sent, summary.retry, summary.failed, summary.uncertain = counts
            if not quiet:
                raise
            _log.warning(f"{len(outcomes)} outcome(s) not recorded ({database_problem(exc)}); their messages go "
                         "to review when their lease runs out")  # fmt: skip

    def _record(self, outcomes: Sequence[_Sent], summary: SendSummary) -> None:
        # The claim holds what this needs of the row: attempts and contact change only with the claim.
        with self.factory() as session, session.begin():
            store = MessageStore(session)
            now = self.clock()
            store.add_attempts([
                {"message_id": o.claim.row.id, "attempt_no": o.claim.row.attempts, "worker": self.worker,
                 "started_at": o.started, "finished_at": o.finished, "outcome": o.result.outcome.name.lower(),
                 "smtp_code": o.result.code, "smtp_text": o.result.text[:1000]}
                for o in outcomes
            ])  # fmt: skip
            sent = [o for o in outcomes if o.result.outcome is Outcome.SENT]
            held = set(store.finish_sent([(o.claim.row.id, o.finished) for o in sent], self.worker, now))
            store.touch_contacts([(o.claim.row.contact_id, o.finished) for o in sent if o.claim.row.id in held])
            summary.sent += len(sent)
            lost = [o.claim.row.id for o in sent if o.claim.row.id not in held]
            if lost:  # a person decided about them while the relay held them: they must hear it
                summary.errors.append(
                    f"the relay accepted message(s) {', '.join(map(str, lost))} after this sender's claim had run "
                    "out and someone had decided about them meanwhile; they did go out: check `nurture show` "
                    "before approving them again"
                )
                _log.warning(summary.errors[-1])
            for o in outcomes:
                if o.result.outcome is not Outcome.SENT:
                    self._record_unsent(store, o.claim.row, o.result, now, summary)

    def _record_unsent(self, store: MessageStore, row: Any, result: DeliveryResult, now: datetime,
                       summary: SendSummary) -> None:  # fmt: skip
        mid = row.id
        reply = f"{result.code} {result.text}".strip() if result.code else result.text
        if (result.outcome is Outcome.FAILED and result.pause_relay) or (
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
                         attempts=max(row.attempts - 1, 0), reason=f"waiting: {why}: {reply}")  # fmt: skip
            summary.retry += 1
        elif result.outcome is Outcome.RETRY and row.attempts < self.max_attempts:
            delay = retry_delay(row.attempts, self.retry_base, self.rng)
            store.finish(mid, self.worker, "approved", now, handed_at=None, next_attempt_at=now + delay,
                         reason=f"retrying after {reply}")  # fmt: skip
            summary.retry += 1
        elif result.outcome is Outcome.UNCERTAIN:
            store.finish(mid, self.worker, "review", now, reason=f"{UNCERTAIN}: {reply}; check the "
                         "recipient's mailbox or the relay log, then approve it again or reject it")  # fmt: skip
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
