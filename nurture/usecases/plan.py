"""A planning run: find the contacts that are due, decide, insert if absent, compose what is near.

Cost follows the number of contacts that are due, not the total: birthdays and work
anniversaries are found through indexed month-day columns, content drops and reconnects
through the indexed `next_due_at`, new events through `learned_at` (or, after a mark, their
id); all in batches.

Once a day (and whenever the rules or the content library change) a run sweeps every due
contact; the runs in between start from the last run's plan mark and look only at what can
have changed since (see `nurture.adapters.db.plan_marks`), so an hourly re-plan with nothing
new costs little even with a million contacts.

Decisions are stored as `planned` messages; only those due within `compose_ahead` get their
words in the same run (see `nurture.usecases.compose_planned`), the rest in a later run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as day_time
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, union, update
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.batches import dialect_of, one_of, refresh_statistics, update_by_id
from nurture.adapters.db.message_store import MessageStore, insert_planned, take_back
from nurture.adapters.db.plan_marks import (
    last_mark,
    newest_event_id,
    newest_mark,
    plan_fingerprint,
    save_mark,
)
from nurture.adapters.db.tables import Contact, Event, Message, PlanMark, Relation
from nurture.domain.birthdays import birthday_date
from nurture.domain.content import ContentItem
from nurture.domain.vocabulary import MAILABLE_CONSENTS
from nurture.planning.inputs import (
    CADENCE_OCCASIONS,
    ExistingMessage,
    PlanContact,
    PlanEvent,
    PlannedMessage,
    PlanningRules,
)
from nurture.planning.next_due import next_content_due, next_event_greeting
from nurture.planning.planner import plan_contact
from nurture.usecases.approval import hold_back_gone_items, recompose_blocked
from nurture.usecases.compose import Composer
from nurture.usecases.compose_planned import PLANNED, ComposeSummary, PlannedComposer

EVENT_LOOKBACK = timedelta(days=30)
# How often a run looks at every due contact again, whatever the plan mark says: content drops
# held back by the cap or by a missing content item, and greetings a cap or a taken day kept
# out, get their next chance at least this often.
SWEEP_EVERY = timedelta(days=1)


@dataclass
class PlanSummary:
    contacts: int = 0
    planned: int = 0
    # The new messages by status at the end of the run (`planned`: decided, words not yet written).
    by_status: dict[str, int] = field(default_factory=dict)
    composed: int = 0  # messages given their words in this run, new or planned earlier
    # Blocked messages written again because what blocked them was fixed, by their new status.
    unblocked: dict[str, int] = field(default_factory=dict)
    # Planned content drops taken back because their item left the library or expired.
    withdrawn: int = 0
    # Written content drops blocked because their item left the library or expired.
    held_back: int = 0
    # Greetings whose day ended and content drops nobody approved in time, expired by this run.
    expired: int = 0
    # Messages of occasions switched off in the config, taken back before anyone approved them.
    switched_off: int = 0
    # Decisions not written yet, taken back because the rules or the library changed (decided anew).
    redecided: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sweep: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "contacts_checked": self.contacts,
            "planned": self.planned,
            "by_status": self.by_status,
            "composed": self.composed,
            "unblocked": self.unblocked,
            "withdrawn": self.withdrawn,
            "held_back": self.held_back,
            "expired": self.expired,
            "switched_off": self.switched_off,
            "redecided": self.redecided,
            "seconds": round(self.seconds, 3),
            "sweep": self.sweep,
        }


def month_days(start: date, end: date) -> list[int]:
    """Month-day numbers (MMDD) from start to end; 29 Feb greets on 28 Feb in other years."""
    days: set[int] = set()
    day = start
    while day <= end:
        days.add(day.month * 100 + day.day)
        if day.month == 2 and day.day == 28:
            days.add(229)
        day += timedelta(days=1)
    return sorted(days)


def mailable(query: Any) -> Any:
    return query.where(
        Contact.email.is_not(None),
        Contact.unsubscribed.is_(False),
        Contact.bounced.is_(False),
        Contact.consent.in_(MAILABLE_CONSENTS),
    )


def window_days(start: datetime, end: datetime) -> list[int]:
    # A day of slack on both sides: "today" differs between Auckland and Los Angeles.
    return month_days((start - timedelta(days=1)).date(), (end + timedelta(days=1)).date())


# The widest offsets from UTC a time zone has: UTC−12 (Baker Island) to UTC+14 (Kiritimati).
_WEST, _EAST = timedelta(hours=12), timedelta(hours=14)


def opening_days(start: datetime, end: datetime, window_start: day_time) -> list[int]:
    """Month-days of the local days whose send window opens in (start, end] in some time zone.

    A greeting goes at its day's window start, so it enters a horizon whose end moved from
    `start` to `end` exactly when that instant passes: local day d opens at
    d + window_start − offset (UTC), offset between −12 h and +14 h. For an hourly step that is
    one or two calendar days instead of three or four with a day of slack on each side.
    """
    opens = timedelta(hours=window_start.hour, minutes=window_start.minute)
    first = (start - opens - _WEST).date() + timedelta(days=1)
    last = (end - opens + _EAST).date()
    return month_days(first, last) if first <= last else []


def due_condition(now: datetime, rules: PlanningRules, mark: PlanMark | None) -> Any:
    """Who is due: the whole horizon in a sweep (`mark` None); after a mark, only what can have changed since it."""
    return or_(*due_conditions(now, rules, mark))


def due_conditions(now: datetime, rules: PlanningRules, mark: PlanMark | None) -> list[Any]:
    """The ways a contact can be due (see `due_condition`), each one an indexed column."""
    end = now + rules.horizon
    if mark is None:
        mds = window_days(now, end)
        recent_events = select(Event.contact_id).where(Event.learned_at >= now - EVENT_LOOKBACK)
        return [
            Contact.next_due_at.is_(None),
            Contact.next_due_at <= end,
            Contact.birthday_md.in_(mds),
            Contact.started_md.in_(mds),
            Contact.id.in_(recent_events),
        ]
    # The days whose greetings the horizon's moving end has just reached, in some time zone.
    mds = opening_days(mark.horizon_end, end, rules.window_start) if end > mark.horizon_end else []
    new_events = select(Event.contact_id).where(Event.id > mark.max_event_id)
    conditions = [
        Contact.next_due_at.is_(None),
        and_(Contact.next_due_at > mark.horizon_end, Contact.next_due_at <= end),
        Contact.id.in_(new_events),
    ]
    if mds:
        conditions += [Contact.birthday_md.in_(mds), Contact.started_md.in_(mds)]
    return conditions


# What planning reads of a contact: fewer columns, less to convert per row.
_PLAN_COLUMNS = tuple(
    Contact.__table__.c[name]
    for name in ("id", "tier", "timezone", "country", "language", "topics", "birthday", "started_on",
                 "created_at", "last_touch_at", "organisation_id", "next_due_at")
)  # fmt: skip


def due_contacts(
    session: Session, now: datetime, rules: PlanningRules, mark: PlanMark | None,
    *, after: int = 0, limit: int = 500, ids: Sequence[int] | None = None,
) -> list[Any]:  # fmt: skip
    """The due contacts among `ids`, or the next `limit` after id `after`, with the columns planning looks at."""
    query = mailable(select(*_PLAN_COLUMNS)).where(due_condition(now, rules, mark))
    if ids is not None:
        return list(session.execute(query.where(one_of(Contact.id, ids, dialect_of(session))).order_by(Contact.id)))
    return list(session.execute(query.where(Contact.id > after).order_by(Contact.id).limit(limit)))


def due_contact_ids(session: Session, now: datetime, rules: PlanningRules, mark: PlanMark | None) -> list[int]:
    """Every due contact's id, in order (for a run after a mark, where they are few).

    One query per way of being due, united: with the conditions joined by OR, PostgreSQL
    reads every contact (the event subquery keeps it from combining the indexes).
    """
    found = union(*(mailable(select(Contact.id)).where(c) for c in due_conditions(now, rules, mark))).subquery()
    return list(session.scalars(select(found.c.id).order_by(found.c.id)))


def mailable_contacts(session: Session, *, after: int = 0, limit: int = 500) -> list[Any]:
    """The next `limit` contacts after id `after` that may get mail, due or not (for the contact plan's forecast)."""
    query = mailable(select(*_PLAN_COLUMNS)).where(Contact.id > after).order_by(Contact.id).limit(limit)
    return list(session.execute(query))


def events_for(session: Session, ids: list[int], now: datetime) -> dict[int, list[PlanEvent]]:
    """The events planning looks at for these contacts: the recent ones, and work anniversaries still ahead."""
    found: dict[int, list[PlanEvent]] = {}
    # A work anniversary recorded ahead of its day is read until that day has passed everywhere.
    query = select(Event).where(
        one_of(Event.contact_id, ids, dialect_of(session)),
        or_(
            Event.learned_at >= now - EVENT_LOOKBACK,
            and_(Event.kind == "work_anniversary", Event.date >= (now - timedelta(days=1)).date()),
        ),
    )
    for ev in session.scalars(query):
        found.setdefault(ev.contact_id, []).append(
            PlanEvent(ev.id, ev.contact_id, ev.kind, ev.date, ev.learned_at, dict(ev.details or {}))
        )
    return found


def batch_inputs(session: Session, rows: Sequence[Any], now: datetime, rules: PlanningRules) -> tuple[
    dict[int, list[ExistingMessage]], dict[int, list[PlanEvent]], dict[int, set[int]], dict[int, int], set[int],
    dict[int, dict[str, datetime]],
]:  # fmt: skip
    """What planning reads for a batch of contact rows besides the rows: their messages and events, their
    graph neighbours and degrees, and the items recently sent or planned to those neighbours."""
    ids = [row.id for row in rows]
    store = MessageStore(session)
    neigh, degree = neighbours_of(session, rows)
    all_neigh = set().union(*neigh.values()) if neigh else set()
    sent_to = store.items_sent_to(all_neigh, now - rules.content_gap)
    return store.existing_for(ids), events_for(session, ids, now), neigh, degree, all_neigh, sent_to


def neighbour_items(neighbours: Iterable[int], sent_to: dict[int, dict[str, datetime]]) -> dict[str, datetime]:
    """Each content item sent or planned to one of `neighbours`, with its latest time (colleague de-duplication)."""
    items: dict[str, datetime] = {}
    for other in neighbours:
        for item, at in sent_to.get(other, {}).items():
            keep_latest(items, item, at)
    return items


def plan_input(row: Any, degree: int) -> PlanContact:
    """A contact row (with the columns of `_PLAN_COLUMNS`) as planning's input."""
    return PlanContact(
        id=row.id,
        tier=row.tier,
        timezone=row.timezone,
        country=row.country,
        language=row.language,
        topics=tuple(t for t in (row.topics or "").split(";") if t),
        birthday=birthday_date(row.birthday),
        started_on=row.started_on,
        created_at=row.created_at,
        last_touch_at=row.last_touch_at,
        degree=degree,
    )


def neighbours_of(session: Session, rows: Sequence[Any]) -> tuple[dict[int, set[int]], dict[int, int]]:
    """Neighbours (edges and same organisation) and edge degree for a batch of contacts."""
    ids = [r.id for r in rows]
    dialect = dialect_of(session)
    neigh: dict[int, set[int]] = {i: set() for i in ids}
    degree_sets: dict[int, set[int]] = {i: set() for i in ids}
    edges = select(Relation.from_id, Relation.to_id).where(
        or_(one_of(Relation.from_id, ids, dialect), one_of(Relation.to_id, ids, dialect))
    )
    for a, b in session.execute(edges):
        for me, other in ((a, b), (b, a)):
            if me in neigh:
                neigh[me].add(other)
                degree_sets[me].add(other)
    orgs = {r.organisation_id for r in rows if r.organisation_id is not None}
    if orgs:
        members: dict[int, set[int]] = {}
        for cid, org in session.execute(
            select(Contact.id, Contact.organisation_id).where(one_of(Contact.organisation_id, orgs, dialect))
        ):
            members.setdefault(org, set()).add(cid)
        for r in rows:
            if r.organisation_id is not None:
                neigh[r.id] |= members.get(r.organisation_id, set()) - {r.id}
    return neigh, {i: len(s) for i, s in degree_sets.items()}


@dataclass
class Planner:
    factory: sessionmaker[Session]
    composer: Composer
    library: Sequence[ContentItem]
    rules: PlanningRules
    compose_ahead: timedelta = timedelta(days=3)
    batch_size: int = 500
    compose_workers: int | None = None  # None: worker processes once a run is large (see compose_workers)

    def run(
        self,
        now: datetime,
        progress: Callable[[int], None] | None = None,
        composing: Callable[[int], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> PlanSummary:
        """Decide for every due contact and compose the planned messages due within `compose_ahead`.

        `stop` is asked between batches of contacts: when it says yes (the daemon is stopping) the
        run ends with `PlanStopped` instead of finishing a large plan. What it committed stays (the
        next run composes it; keys keep anything from being planned twice), and no mark is saved,
        so the next run looks at every due contact again.
        """
        started = time.perf_counter()
        summary = PlanSummary()
        fingerprint = plan_fingerprint(self.rules, self.library)
        with self.factory() as session:
            mark = last_mark(session, fingerprint)
            newest = newest_mark(session)
            max_event_id = newest_event_id(session)
        # The rules or the library changed since the last complete run (a marketer edited the
        # config): the decisions not written yet are taken back and the sweep below decides
        # them again under the new rules (a new send window, cadence or item takes effect now).
        changed = newest is not None and newest.fingerprint != fingerprint
        if changed:
            mark = None
        sweep = mark is None or now < mark.planned_at or now - mark.swept_at >= SWEEP_EVERY
        summary.sweep = sweep
        until = now + self.compose_ahead
        with self.factory() as session, session.begin():
            # What may no longer go out first: a stale drop expired here is planned afresh below.
            summary.expired = len(MessageStore(session).expire_missed(now))
            if changed:  # switching an occasion off changes the rules, so it is found here
                summary.switched_off = withdraw_switched_off(session, self.rules.enabled)
                summary.redecided = take_back_undecided(session)
            summary.unblocked = recompose_blocked(session, self.composer, self.library, now)
            if changed:
                # The planner never picks an item for a day past its valid_until, so only an edit of
                # the library (a new fingerprint) can leave a written drop with its item gone or lapsed.
                summary.held_back = hold_back_gone_items(session, self.composer, self.library, now)
        planned = PlannedComposer(self.factory, self.composer, self.library, self.batch_size, self.compose_workers)
        # The messages earlier runs planned that came near, and each batch of new ones due soon,
        # are written while the next contacts are decided (in worker processes once the run is large).
        with planned.stream(now, composing) as stream:
            stream.add_due(until)
            for near in self._decide(now, None if sweep else mark, summary, until):
                if stop is not None and stop():
                    raise PlanStopped(f"stopped after {summary.contacts} contact(s); the next run goes on")
                stream.add(near)
                if progress is not None:
                    progress(summary.contacts)
            with self.factory() as session, session.begin():
                swept_at = mark.swept_at if mark is not None and not sweep else now
                save_mark(session, fingerprint, now, now + self.rules.horizon, swept_at, max_event_id)
        with self.factory() as session:
            refresh_statistics(session.get_bind(), summary.planned)  # type: ignore[arg-type]
        self._count_composed(stream.summary, summary)
        summary.seconds = time.perf_counter() - started
        return summary

    @staticmethod
    def _count_composed(done: ComposeSummary, summary: PlanSummary) -> None:
        summary.composed = done.composed
        summary.withdrawn = done.withdrawn
        for status, n in done.fresh.items():
            # Fresh ones of an earlier run at the same `now` are not new in this one.
            n = min(n, summary.by_status.get(PLANNED, 0))
            summary.by_status[PLANNED] = summary.by_status.get(PLANNED, 0) - n
            summary.by_status[status] = summary.by_status.get(status, 0) + n
        summary.by_status = {s: n for s, n in summary.by_status.items() if n}

    def _decide(
        self, now: datetime, mark: PlanMark | None, summary: PlanSummary, until: datetime
    ) -> Iterator[list[int]]:
        """Decide for every due contact, a batch at a time; yields each batch's new messages due by `until`.

        A sweep walks the contacts in id order, the next batch read after the last id. A run
        after a mark, with few contacts due, finds them all once and then reads them by id: on
        PostgreSQL each keyset step would gather and sort every due contact again.
        """
        if mark is None:
            after = 0
            while True:
                near, last = self._plan_batch(now, mark, summary, until, after=after)
                if last is None:
                    return
                yield near
                after = last
        with self.factory() as session:
            due = due_contact_ids(session, now, self.rules, mark)
        for start in range(0, len(due), self.batch_size):
            near, _ = self._plan_batch(now, mark, summary, until, ids=due[start : start + self.batch_size])
            yield near

    def _plan_batch(
        self, now: datetime, mark: PlanMark | None, summary: PlanSummary, until: datetime,
        *, after: int = 0, ids: Sequence[int] | None = None,
    ) -> tuple[list[int], int | None]:  # fmt: skip
        """Decide for a batch of due contacts (the next ones after id `after`, or those of `ids`).

        Returns the new messages due by `until` and the last contact id looked at (None: no
        contact was left). The contacts are read, and checked to be due, in the transaction
        that writes their decisions, so an edit either came before (and is planned from) or
        after (and marks them again).
        """
        with self.factory() as session, session.begin():
            rows = due_contacts(session, now, self.rules, mark, after=after, limit=self.batch_size, ids=ids)
            if not rows:
                return [], None
            ids = [row.id for row in rows]
            existing, events, neigh, degree, all_neigh, sent_to_neigh = batch_inputs(session, rows, now, self.rules)
            new_rows: list[dict[str, Any]] = []
            due_changes: list[dict[str, Any]] = []
            horizon_end = now + self.rules.horizon
            for row in rows:
                items = neighbour_items(neigh.get(row.id, ()), sent_to_neigh)
                contact = plan_input(row, degree.get(row.id, 0))
                mine = existing[row.id]
                mine_events = events.get(row.id, [])
                result = plan_contact(contact, mine_events, mine, self.library, items, now, self.rules)
                summary.contacts += 1
                summary.skipped.extend(f"contact {row.id}: {s}" for s in result.skipped)
                for planned in result.messages:
                    new_rows.append(self._row(row.language, planned, now))
                    if planned.content_id is not None and row.id in all_neigh:
                        # Colleagues later in this batch see it too: they are not written yet.
                        keep_latest(sent_to_neigh.setdefault(row.id, {}), planned.content_id, planned.send_at)
                if result.messages:
                    mine = mine + [_as_existing(p) for p in result.messages]
                due = next_content_due(contact, mine, self.rules, now)
                if result.look_again_at is not None and due is not None and due <= horizon_end:
                    due = result.look_again_at  # due, but its first free slot is past the horizon: looked at again then
                greeting = next_event_greeting(contact, mine_events, self.rules, now)
                if greeting is not None and (due is None or greeting < due):
                    due = greeting
                if due != row.next_due_at:
                    due_changes.append({"id": row.id, "next_due_at": due})
            _set_due(session, due_changes)
            added = insert_planned(session, new_rows, now)
            summary.planned += len(added)
            if added:
                summary.by_status[PLANNED] = summary.by_status.get(PLANNED, 0) + len(added)
            # The ones due soon get their words now; any other planned message due soon, at the run's end.
            return [i for i, at in added if at <= until], ids[-1]

    def _row(self, language: str, planned: PlannedMessage, now: datetime) -> dict[str, Any]:
        """The decision, stored as a `planned` message: its words are written when it comes near."""
        return {
            "key": planned.key,
            "contact_id": planned.contact_id,
            "occasion": planned.occasion,
            "occasion_date": planned.occasion_date,
            "event_id": planned.event_id,
            "content_id": planned.content_id,
            "status": PLANNED,
            "reason": None,
            "send_at": planned.send_at,
            "expires_at": planned.expires_at,
            "language": language,
            "template": None,
            "subject": "",
            "text": "",
            "html": None,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }


_SET_DUE = (
    update(Contact.__table__)
    .where(Contact.__table__.c.id == bindparam("w_id"))
    .values(next_due_at=bindparam("v_due", type_=Contact.__table__.c.next_due_at.type))
)


def _set_due(session: Session, changes: list[dict[str, Any]]) -> None:
    """Store the contacts' new `next_due_at` (one statement for the batch on PostgreSQL)."""
    if not changes:
        return
    if dialect_of(session) == "postgresql":
        update_by_id(session, "contacts", {"next_due_at": "timestamptz"}, changes)
    else:
        session.execute(_SET_DUE, [{"w_id": c["id"], "v_due": c["next_due_at"]} for c in changes])


def keep_latest(items: dict[str, datetime], item: str, at: datetime) -> None:
    """Remember when `item` went (or goes) to a colleague: the latest time counts for the content gap."""
    if item not in items or items[item] < at:
        items[item] = at


def _as_existing(p: PlannedMessage) -> Any:
    from nurture.planning.inputs import ExistingMessage

    return ExistingMessage(p.contact_id, p.occasion, p.send_at, PLANNED, p.content_id, p.key)


def withdraw_switched_off(session: Session, enabled: frozenset[str]) -> int:
    """Take back the messages of occasions switched off in `[occasions]` that nobody approved yet.

    Switching birthdays off must stop the birthday greetings already planned or waiting in the
    queue, not only future ones; an approved one stays (a person decided it should go). Switched
    on again, the next run plans them anew. Returns how many were taken back.
    """
    return take_back(session, and_(
        Message.occasion.not_in(sorted(enabled)),
        or_(Message.status.in_((PLANNED, "pending", "blocked")),
            and_(Message.status == "review", Message.handed_at.is_(None))),
    ))  # fmt: skip


def take_back_undecided(session: Session) -> int:
    """Delete the planned messages whose words are not written yet: nobody has seen them.

    Called when the rules or the content library changed; the sweep of the same run plans them
    again under the new rules, with the same keys where nothing changed for them.
    """
    return take_back(session, Message.status == PLANNED)


class PlanStopped(Exception):
    """A plan run ended early because its caller is stopping (see `Planner.run`)."""


def touch_contacts(session: Session, contact_ids: Sequence[int], at: datetime) -> int:
    """A touch resets the cadence: recompute from the new last touch at the next planning run.

    The content drops and reconnects planned from the older touch and not approved yet (their
    words unwritten, or waiting in the queue) are withdrawn, so a checklist planned for next
    Tuesday does not follow Monday's phone call; the next run plans the contact's next one from
    this touch. Only contacts whose last touch this moves are concerned (an older touch changes
    nothing), and a message whose delivery is uncertain stays for the person deciding it.
    Returns how many messages were withdrawn.
    """
    if not contact_ids:
        return 0
    moved = list(session.scalars(
        update(Contact)
        .where(Contact.id.in_(list(contact_ids)), or_(Contact.last_touch_at.is_(None), Contact.last_touch_at < at))
        .values(last_touch_at=at, next_due_at=None)
        .returning(Contact.id)
        .execution_options(synchronize_session=False)
    ))  # fmt: skip
    if not moved:
        return 0
    withdrawn = session.execute(
        delete(Message)
        .where(
            Message.contact_id.in_(moved),
            Message.occasion.in_(sorted(CADENCE_OCCASIONS)),
            Message.send_at > at,
            or_(Message.status.in_((PLANNED, "pending", "blocked")),
                and_(Message.status == "review", Message.handed_at.is_(None))),
        )
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return int(withdrawn.rowcount or 0)
