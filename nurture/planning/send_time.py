"""Local time: the only place where a contact's wall clock, daylight saving and holidays exist.

Everything outside works in aware UTC; here a local day and a local time become an instant.
A local time that does not exist (the spring-forward gap) moves forward by the gap; one that
exists twice (the autumn fall-back) takes its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

ONE_DAY = timedelta(days=1)


class UnknownTimeZone(ValueError):
    """The contact's time zone is not an IANA name this system knows."""


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError) as exc:  # "Europe" is a folder of zones
        raise UnknownTimeZone(f"unknown time zone {name!r}") from exc


def local_date(at: datetime, tz: str) -> date:
    """The calendar day `at` falls on in zone `tz`."""
    return at.astimezone(zone(tz)).date()


def local_today(now: datetime, tz: str) -> date:
    """Today, as the contact sees it (Auckland is a day ahead of Los Angeles)."""
    return local_date(now, tz)


def at_local(day: date, t: time, tz: str) -> datetime:
    """The UTC instant of wall-clock time `t` on `day` in `tz`.

    zoneinfo resolves fold=0 with the offset in force before a transition: an ambiguous time gets
    its first occurrence, a nonexistent one lands after the gap, shifted forward by its length.
    """
    local = datetime.combine(day, t.replace(tzinfo=None, fold=0), tzinfo=zone(tz))
    return local.astimezone(UTC)


def end_of_local_day(day: date, tz: str) -> datetime:
    """The instant `day` ends in `tz` (the next local midnight), in UTC: greetings expire then."""
    return at_local(day + ONE_DAY, time(0, 0), tz)


def ceil_minute(at: datetime) -> datetime:
    """`at` rounded up to a whole minute, so that planned times read cleanly."""
    whole = at.replace(second=0, microsecond=0)
    return whole if whole == at else whole + timedelta(minutes=1)


@lru_cache(maxsize=4096)
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        found = holidays.country_holidays(country.upper(), years=year)
    except (NotImplementedError, KeyError):
        return frozenset()
    return frozenset(found.keys())


def is_holiday(day: date, country: str | None) -> bool:
    """A national public holiday of `country` (ISO 3166 alpha-2); unknown countries have none."""
    if not country:
        return False
    return day in _holidays(country, day.year)


def is_business_day(day: date, country: str | None) -> bool:
    """A weekday that is not a public holiday in the contact's country."""
    return day.weekday() < 5 and not is_holiday(day, country)


def next_business_day(day: date, country: str | None) -> date:
    """The first business day on or after `day` (`day` itself if it is one)."""
    while not is_business_day(day, country):
        day += ONE_DAY
    return day


def next_window_slot(
    now: datetime, tz: str, start: time, end: time, *, business: bool = False, country: str | None = None
) -> datetime:
    """`now` when it lies inside the contact's send window, else the window's next opening (UTC).

    With `business`, only business days of the contact's country count (content drops and
    reconnects); greetings and congratulations take any day. Raises UnknownTimeZone.
    """
    day = local_date(now, tz)
    for _ in range(400):  # a year and a bit: some business day always comes
        if not business or is_business_day(day, country):
            closes = at_local(day, end, tz)
            if now < closes:
                return max(now, at_local(day, start, tz))
        day += ONE_DAY
    return now
