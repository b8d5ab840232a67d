"""Writing the words of planned messages when they come near.

Planning decides what each contact gets and when (`planned`: occasion, day, content item,
send time); the words are written only for messages due within `[schedule] compose_ahead`,
by every planning run and whenever someone opens or approves a planned message. Composing
is what a plan run spends its time on, so a plan for a million contacts writes a few days of
messages instead of the whole horizon, and a contact corrected in the meantime needs no
re-rendering of messages that were never written. Composing decides the status as before:
`pending`, `review` (no correct salutation) or `blocked` (the offer guard objected).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.batches import dialect_of, one_of, update_by_id
from nurture.adapters.db.contact_store import to_view
from nurture.adapters.db.message_store import take_back
from nurture.adapters.db.tables import MAX_ID, Contact, Event, Message, MessageLog
from nurture.domain.content import ContentItem
from nurture.usecases.compose import Composed, Composer
from nurture.usecases.compose_workers import ComposeJob, Composing
from nurture.usecases.message_context import content_item, event_context

PLANNED = "planned"

_messages = Message.__table__
_contacts = Contact.__table__
_AT = _messages.c.send_at.type
# Read once per run, then composed in batches: a keyset walk ("the next 500 after id N") makes
# PostgreSQL with stale statistics re-read and sort every remaining planned row for each batch.
_DUE_PLANNED = (
    select(_messages.c.id)
    .where(_messages.c.status == PLANNED, _messages.c.send_at <= bindparam("w_until", type_=_AT))
    .order_by(_messages.c.id)
)
# Only a message still `planned` takes the words: two runs composing the same row write once.
_WRITE = (
    update(_messages)
    .where(_messages.c.id == bindparam("w_id"), _messages.c.status == PLANNED)
    .values(
        status=bindparam("v_status"), reason=bindparam("v_reason"), subject=bindparam("v_subject"),
        text=bindparam("v_text"), html=bindparam("v_html"), template=bindparam("v_template"),
        updated_at=bindparam("v_at", type_=_AT),
    )
)  # fmt: skip


# The same write on PostgreSQL, one statement per batch (see nurture.adapters.db.batches).
_WRITTEN = {"status": "text", "reason": "text", "subject": "text", "text": "text", "html": "text",
            "template": "text", "updated_at": "timestamptz"}  # fmt: skip


@dataclass
class ComposeSummary:
    composed: int = 0
    # Of the composed, those created at the run's `now` (the messages a plan run has just added).
    fresh: dict[str, int] = field(default_factory=dict)
    # Planned content drops taken back because their item left the library or expired (see _read).
    withdrawn: int = 0


@dataclass
class _Batch:
    """Planned messages read for composing, with what their words are made of."""

    rows: list[Any]
    contacts: dict[int, Any]  # contact rows as read: a contact changed since gets composed again
    events: dict[int, Event]
    jobs: list[ComposeJob]  # one per row whose contact exists, in row order
    composed_rows: list[Any]
    # Content drops whose item left the library or expired before their day: withdrawn, re-planned.
    gone: list[Any] = field(default_factory=list)


@dataclass
class PlannedComposer:
    factory: sessionmaker[Session]
    composer: Composer
    library: Sequence[ContentItem]
    batch_size: int = 500
    workers: int | None = None  # None: worker processes for large runs (see compose_workers)

    def run(
        self, now: datetime, until: datetime, progress: Callable[[int], None] | None = None
    ) -> ComposeSummary:
        """Compose every planned message due by `until`, in batches of one transaction each."""
        with self.stream(now, progress) as stream:
            stream.add_due(until)
        return stream.summary

    def stream(self, now: datetime, progress: Callable[[int], None] | None = None) -> ComposeStream:
        """A composing session that messages can be added to while it runs (see ComposeStream)."""
        return ComposeStream(self, Composing(self.composer, self.workers), now, progress)

    def one(self, session: Session, message_id: int, now: datetime) -> bool:
        """Compose one planned message now (someone opened or approves it); False when it is not planned."""
        if not 0 < message_id <= MAX_ID:
            return False
        summary = ComposeSummary()
        batch = self._read(session, [message_id], lock=True)
        self._write(session, batch, [self._compose_job(job) for job in batch.jobs], now, summary)
        return summary.composed > 0

    def _read(self, session: Session, ids: list[int], *, lock: bool, withdraw_gone: bool = False) -> _Batch:
        """The planned rows among `ids` with what their words are made of.

        With `withdraw_gone` (a planning run), a content drop whose item is no longer in the
        library, expired before the drop's day, or is not in the contact's language any more, is set apart instead of being written: it is
        taken back and its contact planned again, so the contact gets another item about when
        this one was due instead of a blocked message and a whole cadence of silence.
        """
        # By id alone, the status checked here: with `status` in the query, PostgreSQL with the
        # statistics of before a large plan run walks every planned row for each batch.
        query = select(*_messages.c).where(one_of(_messages.c.id, ids, dialect_of(session)))
        if lock:
            query = query.with_for_update(skip_locked=True)
        rows = [r for r in session.execute(query) if r.status == PLANNED]
        contacts = self._contact_rows(session, {r.contact_id for r in rows})
        event_ids = {r.event_id for r in rows if r.event_id is not None}
        events = (
            {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
            if event_ids
            else {}
        )
        views = {cid: to_view(c) for cid, c in contacts.items()}
        kept = [r for r in rows if r.contact_id in views]
        gone: list[Any] = []
        if withdraw_gone:
            gone = [r for r in kept if r.content_id is not None and not self._item_holds(r, views[r.contact_id])]
            kept = [r for r in kept if r not in gone]
        jobs = [self._job(views[r.contact_id], r, events.get(r.event_id)) for r in kept]
        return _Batch(rows, contacts, events, jobs, kept, gone)

    def _item_holds(self, row: Any, view: Any) -> bool:
        """The drop's item is still in the library, valid on its day, and in the contact's (perhaps new) language."""
        item = content_item(self.library, row.content_id)
        return (item is not None and item.available_on(row.occasion_date)
                and item.language.casefold() == (view.language or "").casefold())  # fmt: skip

    @staticmethod
    def _withdraw(session: Session, rows: list[Any], summary: ComposeSummary) -> None:
        ids = [r.id for r in rows]  # still planned only: one someone opened meanwhile keeps its words
        which = and_(one_of(_messages.c.id, ids, dialect_of(session)), _messages.c.status == PLANNED)
        summary.withdrawn += take_back(session, which)

    def _contact_rows(self, session: Session, ids: set[int]) -> dict[int, Any]:
        if not ids:
            return {}
        query = select(*_contacts.c).where(one_of(_contacts.c.id, ids, dialect_of(session)))
        return {c.id: c for c in session.execute(query)}

    def _write(
        self, session: Session, batch: _Batch, results: list[Composed], now: datetime, summary: ComposeSummary
    ) -> None:
        if batch.gone:
            self._withdraw(session, batch.gone, summary)
        # Locked while recorded: a message someone opens meanwhile is written (and logged) once;
        # on PostgreSQL the other side skips it, SQLite serialises writers anyway.
        ids = [r.id for r in batch.composed_rows]
        if not ids:
            return
        locked = select(_messages.c.id, _messages.c.status).where(one_of(_messages.c.id, ids, dialect_of(session)))
        still = {i for i, status in session.execute(locked.with_for_update(skip_locked=True)) if status == PLANNED}
        current = self._contact_rows(session, {r.contact_id for r in batch.composed_rows if r.id in still})
        writes: list[dict[str, Any]] = []
        logs: list[dict[str, Any]] = []
        for row, composed in zip(batch.composed_rows, results, strict=True):
            if row.id not in still or row.contact_id not in current:
                continue
            if current[row.contact_id] != batch.contacts[row.contact_id]:
                # Edited while its words were written: write them again from what the contact is now.
                view = to_view(current[row.contact_id])
                composed = self._compose_job(self._job(view, row, batch.events.get(row.event_id)))
            writes.append({"w_id": row.id, "v_status": composed.status, "v_reason": composed.reason,
                           "v_subject": composed.subject, "v_text": composed.text, "v_html": composed.html,
                           "v_template": composed.template, "v_at": now})  # fmt: skip
            logs.append({"message_id": row.id, "from_status": PLANNED, "to_status": composed.status,
                         "actor": "planner", "at": now, "note": "composed"})  # fmt: skip
            summary.composed += 1
            if row.created_at == now:
                summary.fresh[composed.status] = summary.fresh.get(composed.status, 0) + 1
        if writes:
            if dialect_of(session) == "postgresql":
                update_by_id(session, "messages", _WRITTEN, [
                    {"id": w["w_id"], "status": w["v_status"], "reason": w["v_reason"], "subject": w["v_subject"],
                     "text": w["v_text"], "html": w["v_html"], "template": w["v_template"], "updated_at": now}
                    for w in writes
                ], where=f"t.status = '{PLANNED}'")  # fmt: skip
            else:
                session.execute(_WRITE, writes)
            session.execute(insert(MessageLog.__table__), logs)

    def _job(self, view: Any, row: Any, event: Event | None) -> ComposeJob:
        if event is not None:
            ctx = event_context(view, row.occasion, row.occasion_date, event.kind, event.date, event.details)
        else:
            ctx = event_context(view, row.occasion, row.occasion_date)
        return ComposeJob(view, row.occasion, row.occasion_date, ctx, content_item(self.library, row.content_id),
                          row.note, row.content_id)  # fmt: skip

    def _compose_job(self, job: ComposeJob) -> Composed:
        return self.composer.compose(*job)


class ComposeStream:
    """Planned messages handed in by id, read in batches, composed ahead, recorded in order.

    Ids wait in a backlog; a few batches at a time are read and composed (in worker processes
    for a large run) while this process goes on with its own work, and each batch is recorded
    once its words are back. `add` never waits for a worker while there is room: a planning
    run hands in the messages that came near before it starts deciding and each batch of new
    ones as it goes, so the workers write while it decides. A message that stopped being
    `planned` in the meantime is left alone, one whose contact changed is composed again from
    the new data. Leaving the `with` block records everything handed in.
    """

    def __init__(
        self, owner: PlannedComposer, where: Composing, now: datetime, progress: Callable[[int], None] | None
    ) -> None:
        self.owner, self.where, self.now, self.progress = owner, where, now, progress
        self.summary = ComposeSummary()
        self._backlog: deque[list[int]] = deque()
        self._waiting: deque[tuple[_Batch, Future[list[Composed]]]] = deque()

    def __enter__(self) -> ComposeStream:
        self.where.__enter__()
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        try:
            if kind is None:
                self.finish()
        finally:
            self.where.__exit__(kind, *rest)

    @property
    def _room(self) -> int:
        """Batches read ahead at most: one composing in each worker and one waiting for each."""
        return 2 * self.where.workers

    def add(self, ids: Sequence[int]) -> None:
        """Compose these planned messages (one no longer `planned` when its batch is read is skipped)."""
        size = self.owner.batch_size
        self._backlog.extend(list(ids[start : start + size]) for start in range(0, len(ids), size))
        self._pump()

    def add_due(self, until: datetime) -> None:
        """Compose every planned message due by `until` (those handed in already are skipped when read)."""
        with self.owner.factory() as session:
            due = list(session.scalars(_DUE_PLANNED, {"w_until": until}))
        self.where.expect(len(due) + sum(len(b) for b in self._backlog))
        self.add(due)

    def finish(self) -> None:
        """Wait for and record every batch handed in."""
        while self._waiting or self._backlog:
            if self._waiting:
                self._record_oldest()
            self._pump()

    def _pump(self) -> None:
        """Record the batches whose words are back, then read and hand out more while there is room."""
        while self._waiting and self._waiting[0][1].done():
            self._record_oldest()
        while self._backlog and len(self._waiting) < self._room:
            ids = self._backlog.popleft()
            with self.owner.factory() as session:
                batch = self.owner._read(session, ids, lock=False, withdraw_gone=True)
            self._waiting.append((batch, self.where.submit(batch.jobs)))
            while self._waiting and self._waiting[0][1].done():
                self._record_oldest()

    def _record_oldest(self) -> None:
        batch, future = self._waiting.popleft()
        results = self.where.result(future, batch.jobs)
        with self.owner.factory() as session, session.begin():
            self.owner._write(session, batch, results, self.now, self.summary)
        if self.progress is not None:
            self.progress(self.summary.composed)
