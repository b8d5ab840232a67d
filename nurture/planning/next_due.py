"""Indexing helpers: the month-day of a date, and when a contact next needs a content drop or reconnect.

The shell stores both on the contact row so that a planning run selects only the contacts that
are due, through indexed columns, instead of looking at every contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from nurture.planning.content_drops import cadence_gap, catch_up, touch_base
from nurture.planning.inputs import ExistingMessage, PlanContact, PlanEvent, PlanningRules, parse_month_day
from nurture.planning.send_time import UnknownTimeZone, at_local, local_date


def month_day(d: date | str | None) -> int | None:
    """MMDD as an integer (17 May → 517), from a date or `YYYY-MM-DD` / `--MM-DD` text."""
    md = parse_month_day(d)
    return None if md is None else md[0] * 100 + md[1]


def reconnect_on(rules: PlanningRules) -> bool:
    return rules.reconnect_after is not None and "reconnect" in rules.enabled


def next_content_due(
    contact: PlanContact, existing: Sequence[ExistingMessage], rules: PlanningRules, now: datetime
) -> datetime | None:
    """When the contact's cadence next asks for a content drop (or its reconnect falls due).

    Counted from the last touch, sent message or planned content drop/reconnect; connectors use
    the cadence one tier higher; an overdue one on its day of catching up (`catch_up`). None
    when neither content drops nor reconnects can ever be due.
    """
    base = touch_base(contact, existing)
    due: list[datetime] = []
    gap = cadence_gap(contact, rules)
    if "content_drop" in rules.enabled and gap is not None:
        due.append(catch_up(contact, base + gap, gap, now, rules))
    if reconnect_on(rules) and rules.reconnect_after is not None:
        due.append(catch_up(contact, base + rules.reconnect_after, rules.reconnect_after, now, rules))
    return min(due) if due else None


def next_event_greeting(
    contact: PlanContact, events: Sequence[PlanEvent], rules: PlanningRules, now: datetime
) -> datetime | None:
    """When the first recorded work anniversary beyond the horizon enters it (its day's window start).

    Such an event may be recorded months ahead; the contact must be looked at again when its day
    comes near, long after the event stopped being new.
    """
    ahead = [ev.date for ev in events if ev.kind == "work_anniversary"]  # most contacts: none, and done
    if not ahead or "work_anniversary" not in rules.enabled:
        return None
    try:
        last = local_date(now + rules.horizon, contact.timezone)
        days = [day for day in ahead if day > last]
        return at_local(min(days), rules.window_start, contact.timezone) if days else None
    except UnknownTimeZone:
        return None
