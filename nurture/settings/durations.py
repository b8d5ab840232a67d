"""Durations (`90m`, `21d`) and times of day (`08:30`) as people write them in the config.

A whole number and one unit keeps the file readable and unambiguous: there is no "1.5d"
or "3 weeks" to guess about, and the error message can show the one accepted form.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

UNITS: dict[str, timedelta] = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
# ASCII digits only: `\d` would also accept "١٢d" or "٠٨:٣٠", which no one reading the file could check.
_DURATION = re.compile(r"([0-9]+)([smhdw])")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
# Longer than any cadence, cap or reconnect gap; also keeps `now + duration` far from datetime's limits.
MAX_DURATION = timedelta(days=36525)


class DurationTooLong(ValueError):
    """A well-formed duration beyond MAX_DURATION (100 years)."""


def parse_duration(text: str) -> timedelta:
    """`"21d"` -> 21 days. Raises ValueError for anything but a whole number and one unit."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a duration")
    found = _DURATION.fullmatch(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a duration")
    number, unit = found.group(1).lstrip("0") or "0", UNITS[found.group(2)]
    # Compare before multiplying: 10**20 days does not fit in a timedelta at all.
    if len(number) > 12 or int(number) * unit.total_seconds() > MAX_DURATION.total_seconds():
        raise DurationTooLong(f"{text!r} is longer than 100 years")
    return int(number) * unit


def parse_time_of_day(text: str) -> time:
    """`"08:30"` -> 08:30. Two digits each, 24-hour clock."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a time of day")
    found = _TIME.fullmatch(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a time of day")
    return time(int(found.group(1)), int(found.group(2)))


def format_duration(value: timedelta) -> str:
    """The shortest exact form in the config's notation, for messages and round trips."""
    seconds = int(value.total_seconds())
    for unit in ("w", "d", "h", "m"):
        size = int(UNITS[unit].total_seconds())
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def format_time_of_day(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"
