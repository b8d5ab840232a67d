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


def yearly_days(month: int, day_of_month: int, first: date, last: date) -> list[date]:
    """The days from first to last on which a yearly occasion on (month, day) falls (29 February: 28
    February in years without one); none for a day no calendar has, such as 31 April."""
    days: list[date] = []
    for year in range(first.year, last.year + 1):
        if (month, day_of_month) == (2, 29) and not calendar.isleap(year):
            day = date(year, 2, 28)
        else:
            try:
                day = date(year, month, day_of_month)
            except ValueError:
                return []
        if first <= day <= last:
            days.append(day)
    return days


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
    # Straight to the occasion's date in each year of the window, not day by day through it.
    if birthday is not None:
        for day in yearly_days(*birthday, first, last):
            found[("birthday", day)] = Greeting("birthday", day)
    if started is not None:
        for day in yearly_days(started.month, started.day, first, last):
            if day.year > started.year:
                found[("work_anniversary", day)] = Greeting("work_anniversary", day)
    for ev in events:
        if ev.kind == "work_anniversary" and first <= ev.date <= last:
            found[("work_anniversary", ev.date)] = Greeting("work_anniversary", ev.date, ev.id)
    order = {"birthday": 0, "work_anniversary": 1}
    return sorted(found.values(), key=lambda g: (g.day, order[g.occasion]))


# A congratulation is for news: an event that happened more than this long before we learned of it
# (a job change of 2015 recorded today) is kept for the contact's history but not congratulated.
OLD_NEWS = timedelta(days=60)


def old_news(event_date: date, learned_at: datetime) -> bool:
    """True when the event happened more than `OLD_NEWS` (60 days) before we learned of it.

    Compared by calendar day: the event's date against the (UTC) day it was recorded. An import
    dates its job change on the day of the import, so that is never old news.
    """
    return event_date < (learned_at - OLD_NEWS).date()


def congratulation_window(event: PlanEvent, now: datetime, expiry: timedelta) -> tuple[datetime, datetime] | None:
    """From when until when a congratulation for `event` may go out; None once it is too late.

    Also None for old news (see `old_news`): an event more than 60 days old when we learned of it
    is not congratulated at all ("zu Ihrem jüngsten Erfolg" for something of last year).
    """
    if old_news(event.date, event.learned_at):
        return None
    start = max(event.learned_at, now)
    end = event.learned_at + expiry
    return (start, end) if start < end else None
