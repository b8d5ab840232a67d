"""Local time: zones across the date line, half-hour offsets, DST gaps and overlaps, public holidays."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from planning_builders import utc

from nurture.planning.send_time import (
    UnknownTimeZone,
    at_local,
    ceil_minute,
    end_of_local_day,
    is_business_day,
    local_today,
    next_business_day,
)


@pytest.mark.parametrize(
    ("tz", "day", "expected"),
    [
        ("Europe/Berlin", date(2026, 6, 1), utc(2026, 6, 1, 6, 30)),
        ("Europe/Berlin", date(2026, 1, 15), utc(2026, 1, 15, 7, 30)),
        ("Asia/Kolkata", date(2026, 6, 1), utc(2026, 6, 1, 3, 0)),
        ("Pacific/Auckland", date(2026, 6, 1), utc(2026, 5, 31, 20, 30)),
        ("Pacific/Auckland", date(2026, 1, 15), utc(2026, 1, 14, 19, 30)),
        ("America/Los_Angeles", date(2026, 6, 1), utc(2026, 6, 1, 15, 30)),
        # The DST change days in Berlin: last Sunday of March and of October.
        ("Europe/Berlin", date(2026, 3, 29), utc(2026, 3, 29, 6, 30)),
        ("Europe/Berlin", date(2026, 10, 25), utc(2026, 10, 25, 7, 30)),
    ],
)
def test_at_local_converts_window_start_to_utc(tz: str, day: date, expected: datetime) -> None:
    assert at_local(day, time(8, 30), tz) == expected


def test_nonexistent_local_time_moves_forward_by_the_gap() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026; it becomes 03:30 CEST.
    assert at_local(date(2026, 3, 29), time(2, 30), "Europe/Berlin") == utc(2026, 3, 29, 1, 30)


def test_ambiguous_local_time_takes_the_first_occurrence() -> None:
    # 02:30 happens twice in Berlin on 25 October 2026; the first is still CEST (UTC+2).
    assert at_local(date(2026, 10, 25), time(2, 30), "Europe/Berlin") == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(
    ("tz", "day", "end", "hours"),
    [
        ("Europe/Berlin", date(2026, 3, 29), utc(2026, 3, 29, 22, 0), 23),
        ("Europe/Berlin", date(2026, 10, 25), utc(2026, 10, 25, 23, 0), 25),
        ("Europe/Berlin", date(2026, 6, 1), utc(2026, 6, 1, 22, 0), 24),
        ("Asia/Kolkata", date(2026, 6, 1), utc(2026, 6, 1, 18, 30), 24),
    ],
)
def test_end_of_local_day_follows_dst(tz: str, day: date, end: datetime, hours: int) -> None:
    assert end_of_local_day(day, tz) == end
    assert end - end_of_local_day(day - timedelta(days=1), tz) == timedelta(hours=hours)


def test_local_today_differs_across_the_date_line() -> None:
    now = utc(2026, 6, 1, 13, 0)  # 15:00 in Berlin
    assert local_today(now, "Europe/Berlin") == date(2026, 6, 1)
    assert local_today(now, "Pacific/Auckland") == date(2026, 6, 2)
    assert local_today(utc(2026, 6, 1, 5, 0), "America/Los_Angeles") == date(2026, 5, 31)


def test_unknown_time_zone_is_reported() -> None:
    with pytest.raises(UnknownTimeZone, match="Mars/Olympus"):
        at_local(date(2026, 6, 1), time(8, 30), "Mars/Olympus")


@pytest.mark.parametrize(
    ("day", "country", "business"),
    [
        (date(2025, 10, 2), "DE", True),
        (date(2025, 10, 3), "DE", False),  # Tag der Deutschen Einheit, a Friday
        (date(2025, 12, 25), "DE", False),
        (date(2025, 12, 26), "DE", False),
        (date(2025, 12, 26), "de", False),
        (date(2026, 10, 26), "AT", False),  # Nationalfeiertag, a Monday
        (date(2026, 10, 26), "DE", True),
        (date(2025, 8, 1), "CH", False),  # Bundesfeier, a Friday
        (date(2025, 8, 1), "DE", True),
        (date(2025, 10, 3), None, True),
        (date(2025, 10, 3), "XX", True),  # unknown country: weekends only
        (date(2025, 10, 4), "XX", False),
        (date(2025, 10, 5), None, False),
    ],
)
def test_business_days(day: date, country: str | None, business: bool) -> None:
    assert is_business_day(day, country) is business


def test_next_business_day_skips_weekends_and_holidays() -> None:
    assert next_business_day(date(2025, 12, 24), "DE") == date(2025, 12, 24)
    assert next_business_day(date(2025, 12, 25), "DE") == date(2025, 12, 29)
    assert next_business_day(date(2025, 10, 3), "DE") == date(2025, 10, 6)
    assert next_business_day(date(2025, 10, 3), "AT") == date(2025, 10, 3)


def test_ceil_minute() -> None:
    assert ceil_minute(utc(2026, 6, 1, 9, 0)) == utc(2026, 6, 1, 9, 0)
    assert ceil_minute(utc(2026, 6, 1, 9, 0, 1)) == utc(2026, 6, 1, 9, 1)
    assert ceil_minute(utc(2026, 6, 1, 9, 59, 30)) == utc(2026, 6, 1, 10, 0)
