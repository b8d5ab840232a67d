"""Occasions of a person's life: birthdays, work anniversaries and congratulations for events.

Greetings belong to their day: they go out on it at the window's start in the contact's zone and
expire when that local day ends. Congratulations go out at the next window slot after we learn of
the event, any day of the week, and expire `event_expiry` later.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from nurture.planning.inputs import PlanContact, PlanEvent, parse_month_day


def greeting_key(contact_id: int, occasion: str, day: date) -> str:
    return f"{contact_id}:{occasion}:{day.isoformat()}"


def event_key(contact_id: int, occasion: str, event_id: int) -> str:
    return f"{contact_id}:{occasion}:e{event_id}"


def content_key(contact_id: int, item_id: str) -> str:
    return f"{contact_id}:content_drop:{item_id}"


def reconnect_key(contact_id: int, day: date) -> str:
    return f"{contact_id}:reconnect:{day.isoformat()}"


def occurs_on(month: int, day_of_month: int, day: date) -> bool:
    """Whether a yearly occasion on (month, day) falls on `day`; 29 February is kept on 28 February in
    years without one."""
    if (day.month, day.day) == (month, day_of_month):
        return True
    return (month, day_of_month) == (2, 29) and (day.month, day.day) == (2, 28) and not calendar.isleap(day.year)


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@dataclass(frozen=True)
class Greeting:
    """A greeting due on a local day; `event_id` when it comes from a recorded event."""

    occasion: str
    day: date
    event_id: int | None = None


def greetings(contact: PlanContact, events: list[PlanEvent], first: date, last: date) -> list[Greeting]:
    """Birthdays and work anniversaries on local days first..last, in day order, birthday first."""
    found: dict[tuple[str, date], Greeting] = {}
    birthday = parse_month_day(contact.birthday)
    started = contact.started_on
    for day in days_between(first, last):
        if birthday is not None and occurs_on(*birthday, day):
            found[("birthday", day)] = Greeting("birthday", day)
        if started is not None and day.year > started.year and occurs_on(started.month, started.day, day):
            found[("work_anniversary", day)] = Greeting("work_anniversary", day)
    for ev in events:
        if ev.kind == "work_anniversary" and first <= ev.date <= last:
            found[("work_anniversary", ev.date)] = Greeting("work_anniversary", ev.date, ev.id)
    order = {"birthday": 0, "work_anniversary": 1}
    return sorted(found.values(), key=lambda g: (g.day, order[g.occasion]))


def congratulation_window(event: PlanEvent, now: datetime, expiry: timedelta) -> tuple[datetime, datetime] | None:
    """From when until when a congratulation for `event` may go out; None once it is too late."""
    start = max(event.learned_at, now)
    end = event.learned_at + expiry
    return (start, end) if start < end else None
