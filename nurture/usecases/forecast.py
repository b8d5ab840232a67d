"""The contact plan's later months: the touches the planner will decide once they come within its horizon.

Planning decides only `[schedule] horizon` ahead (14 days by default) so that an edit, a new
event or a reply can still change what comes; a seller planning the coming months still wants
to see them: whose birthday falls in March, when each A contact gets its next content drop, and
which item it would be. Those are foreseen here by running the planner itself, in memory, over
the longer span: the same occasions, cadence, caps, send window, weekdays and public holidays,
the same choice of item, and nothing written. What only becomes known later (a new job, an
edit, a reply, a new library item) can still change them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from nurture.domain.content import ContentItem
from nurture.planning.inputs import PlannedMessage, PlanningRules
from nurture.planning.planner import plan_contact
from nurture.usecases.plan import batch_inputs, keep_latest, mailable_contacts, neighbour_items, plan_input


@dataclass(frozen=True)
class Foreseen:
    """A touch the planner would plan for the contact, not decided (nor written) yet."""

    contact_id: int
    timezone: str
    planned: PlannedMessage


def foreseen_touches(
    session: Session,
    now: datetime,
    until: datetime,
    rules: PlanningRules,
    library: Sequence[ContentItem],
    *,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Foreseen]:
    """Every touch the planner would add from `now` to `until` to what is already planned, contact by contact.

    Contacts that may get mail are read a batch at a time in id order, with what planning reads
    of them (their messages, recent events, graph neighbours); the planner then runs over the
    whole span as if it were the horizon. Items planned or foreseen for a colleague count for the
    colleague de-duplication as they do in a planning run.
    """
    span = replace(rules, horizon=max(until - now, timedelta(0)))
    after, seen = 0, 0
    while True:
        rows = mailable_contacts(session, after=after, limit=batch_size)
        if not rows:
            return
        ids = [row.id for row in rows]
        existing, events, neigh, degree, all_neigh, sent_to = batch_inputs(session, rows, now, rules)
        for row in rows:
            items = neighbour_items(neigh.get(row.id, ()), sent_to)
            contact = plan_input(row, degree.get(row.id, 0))
            result = plan_contact(contact, events.get(row.id, []), existing[row.id], library, items, now, span)
            for planned in result.messages:
                if planned.content_id is not None and row.id in all_neigh:
                    keep_latest(sent_to.setdefault(row.id, {}), planned.content_id, planned.send_at)
                yield Foreseen(row.id, row.timezone, planned)
        seen += len(rows)
        after = ids[-1]
        if progress is not None:
            progress(seen)
