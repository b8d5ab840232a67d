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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import to_view
from nurture.adapters.db.tables import Contact, Event, Message, MessageLog
from nurture.domain.content import ContentItem
from nurture.usecases.compose import Composed, Composer
from nurture.usecases.message_context import content_item, event_context

PLANNED = "planned"

_messages = Message.__table__
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


@dataclass
class ComposeSummary:
    composed: int = 0
    # Of the composed, those created at the run's `now` (the messages a plan run has just added).
    fresh: dict[str, int] = field(default_factory=dict)


@dataclass
class PlannedComposer:
    factory: sessionmaker[Session]
    composer: Composer
    library: Sequence[ContentItem]
    batch_size: int = 500

    def run(
        self, now: datetime, until: datetime, progress: Callable[[int], None] | None = None
    ) -> ComposeSummary:
        """Compose every planned message due by `until`, in batches of one transaction each."""
        summary = ComposeSummary()
        with self.factory() as session:
            due = list(session.scalars(_DUE_PLANNED, {"w_until": until}))
        for start in range(0, len(due), self.batch_size):
            with self.factory() as session, session.begin():
                self._compose_batch(session, due[start : start + self.batch_size], now, summary)
            if progress is not None:
                progress(summary.composed)
        return summary

    def one(self, session: Session, message_id: int, now: datetime) -> bool:
        """Compose one planned message now (someone opened or approves it); False when it is not planned."""
        summary = ComposeSummary()
        self._compose_batch(session, [message_id], now, summary)
        return summary.composed > 0

    def _compose_batch(
        self, session: Session, ids: list[int], now: datetime, summary: ComposeSummary
    ) -> None:
        # Locked while composed: a message someone opens while the planner writes it is written
        # (and logged) once; on PostgreSQL the other side skips it, SQLite serialises writers anyway.
        query = select(*_messages.c).where(_messages.c.id.in_(ids), _messages.c.status == PLANNED)
        rows = list(session.execute(query.with_for_update(skip_locked=True)))
        if not rows:
            return
        contacts = {
            c.id: to_view(c)
            for c in session.execute(
                select(*Contact.__table__.c).where(Contact.__table__.c.id.in_({r.contact_id for r in rows}))
            )
        }
        event_ids = {r.event_id for r in rows if r.event_id is not None}
        events = (
            {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
            if event_ids
            else {}
        )
        writes: list[dict[str, Any]] = []
        logs: list[dict[str, Any]] = []
        for row in rows:
            view = contacts.get(row.contact_id)
            if view is None:
                continue
            composed = self._compose(view, row, events.get(row.event_id))
            writes.append({"w_id": row.id, "v_status": composed.status, "v_reason": composed.reason,
                           "v_subject": composed.subject, "v_text": composed.text, "v_html": composed.html,
                           "v_template": composed.template, "v_at": now})  # fmt: skip
            logs.append({"message_id": row.id, "from_status": PLANNED, "to_status": composed.status,
                         "actor": "planner", "at": now, "note": "composed"})  # fmt: skip
            summary.composed += 1
            if row.created_at == now:
                summary.fresh[composed.status] = summary.fresh.get(composed.status, 0) + 1
        if writes:
            session.execute(_WRITE, writes)
            session.execute(insert(MessageLog.__table__), logs)

    def _compose(self, view: Any, row: Any, event: Event | None) -> Composed:
        if event is not None:
            ctx = event_context(view, row.occasion, row.occasion_date, event.kind, event.date, event.details)
        else:
            ctx = event_context(view, row.occasion, row.occasion_date)
        return self.composer.compose(view, row.occasion, row.occasion_date, ctx,
                                     content_item(self.library, row.content_id), row.note)  # fmt: skip
