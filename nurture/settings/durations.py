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
_DURATION = re.compile(r"(\d+)([smhdw])")
_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def parse_duration(text: str) -> timedelta:
    """`"21d"` -> 21 days. Raises ValueError for anything but a whole number and one unit."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a duration")
    found = _DURATION.fullmatch(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a duration")
    return int(found.group(1)) * UNITS[found.group(2)]


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
