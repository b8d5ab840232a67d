"""Content drops: when a contact's cadence falls due, and which library item suits them best.

The best item speaks the contact's language, is still valid on the send day, shares the most
topics with the contact (ties: library order), was never planned for this contact, and did not
go to a colleague or graph neighbour within `content_gap` of the send, so colleagues never
compare identical mails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache

from nurture.domain.content import ContentItem
from nurture.planning.inputs import CADENCE_OCCASIONS, ExistingMessage, PlanContact, PlanningRules
from nurture.planning.send_time import UnknownTimeZone, at_local, next_business_day

PROMOTED = {"C": "B", "B": "A"}


def effective_tier(contact: PlanContact, rules: PlanningRules) -> str:
    """Connectors (many graph neighbours) are treated one tier higher: C → B, B → A."""
    if rules.connector_degree >= 1 and contact.degree >= rules.connector_degree:
        return PROMOTED.get(contact.tier, contact.tier)
    return contact.tier


def cadence_gap(contact: PlanContact, rules: PlanningRules) -> timedelta | None:
    """The target gap between touches for this contact; None when its tier has none."""
    gap = rules.cadence.get(effective_tier(contact, rules))
    return gap if gap is not None and gap > timedelta(0) else None


def touch_base(contact: PlanContact, existing: Iterable[ExistingMessage]) -> datetime:
    """The last time the contact was touched, or will be by a planned content drop or reconnect.

    A recorded touch, any sent message and any active content drop or reconnect count; so does a
    rejected one (the approver said "not now", and is not asked again the next day). A contact never
    touched counts from when it was added.
    """
    base = contact.last_touch_at or contact.created_at
    for msg in existing:
        cadence = msg.occasion in CADENCE_OCCASIONS and (msg.active or msg.status == "rejected")
        if (msg.status == "sent" or cadence) and msg.send_at > base:
            base = msg.send_at
    return base


def catch_up(contact: PlanContact, due: datetime, period: timedelta, now: datetime, rules: PlanningRules) -> datetime:
    """When a content drop (or reconnect) that is more than a whole `period` overdue goes.

    Such a backlog — a fresh import of contacts last touched long ago, a sender paused for
    months, a new library item after none fitted — would otherwise land on the first business
    day at the window's start in full: more than a relay takes in a day (`max_per_minute`
    inside the send window) and more than anyone approves, for contacts to whom one more short
    wait makes no difference. Each of them gets a day of its own in the coming period (the next
    business day when that day is none and the rules want business days) and a time of its own
    inside that day's send window, both fixed by its id, so the backlog drains evenly; the
    moment found stays the same from run to run until its day has come. A drop due in the
    future, or overdue by less than a period, keeps its time (the planner then sends it at the
    first free slot).
    """
    if due > now - period:
        return due
    days = max(1, period.days)
    spread = contact.id * 2654435761  # ids spread evenly even when they come in runs
    today = now.date()
    # The contact's day: the first of its phase whose (business) day is not over. Searching from
    # a little before today keeps a Saturday's share on its Monday while that weekend passes.
    start = today.toordinal() - 10
    day = date.fromordinal(start + (spread % days - start) % days)
    while (goes := _on_business_day(day, contact, rules)) < today:
        day += timedelta(days=days)
    day = goes
    tz = contact.timezone
    try:
        opens = at_local(day, rules.window_start, tz)
    except UnknownTimeZone:  # nothing is planned for such a contact; its next look is due all the same
        tz = "UTC"
        opens = at_local(day, rules.window_start, tz)
    minutes = int((at_local(day, rules.window_end, tz) - opens) / timedelta(minutes=1))
    return opens + timedelta(minutes=(spread // days) % max(1, minutes))


def _on_business_day(day: date, contact: PlanContact, rules: PlanningRules) -> date:
    """Content drops and reconnects go on business days only when the rules say so."""
    return next_business_day(day, contact.country) if rules.weekdays_only else day


def used_items(existing: Iterable[ExistingMessage]) -> set[str]:
    """Items ever planned for the contact, in any status: a rejected item is not offered again either."""
    return {m.content_id for m in existing if m.content_id}


@lru_cache(maxsize=4096)
def _norm(values: tuple[str, ...]) -> frozenset[str]:
    """Topics compared case-insensitively; cached because the same library is scored for every contact."""
    return frozenset(v.strip().casefold() for v in values if v.strip())


def choose_item(
    contact: PlanContact,
    library: Sequence[ContentItem],
    day: date,
    send_at: datetime,
    used: set[str],
    neighbour_items: Mapping[str, datetime],
    content_gap: timedelta,
) -> ContentItem | None:
    """The best item for this contact on local `day`, or None when none fits.

    A contact with topics needs an item sharing one of them, or a general item without topics;
    a contact without topics takes any item in its language.
    """
    wanted = _norm(tuple(contact.topics))
    language = contact.language.casefold()
    best: ContentItem | None = None
    best_score = -1
    for item in library:
        if item.language.casefold() != language or not item.available_on(day) or item.id in used:
            continue
        neighbour_at = neighbour_items.get(item.id)
        if neighbour_at is not None and abs(send_at - neighbour_at) < content_gap:
            continue
        topics = _norm(tuple(item.topics))
        score = len(topics & wanted)
        if wanted and topics and score == 0:
            continue
        if score > best_score:
            best, best_score = item, score
            if score == len(wanted):
                break  # nothing later can share more, and ties go to library order
    return best


def no_item_reason(contact: PlanContact) -> str:
    topics = ", ".join(contact.topics) if contact.topics else "none"
    return f"content_drop: no content item fits (language {contact.language}, topics {topics})"
