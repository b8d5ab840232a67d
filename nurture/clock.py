"""The clock: the only module that reads the real time.

Everything else receives `now` (aware UTC) so that tests, `--now` and `NURTURE_NOW`
drive the whole program through one injected clock.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until a test moves it."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant = self.instant + delta


@dataclass
class ShiftedClock:
    """Starts at a given instant and then ticks in real time (`--now` / `NURTURE_NOW`)."""

    start: datetime
    _origin: float = field(default_factory=_time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=_time.monotonic() - self._origin)


def parse_now(value: str, default_timezone: str = "UTC") -> datetime:
    """Read an ISO-8601 instant; a naive value is taken in `default_timezone`."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(
            f"--now {value!r} is not an ISO-8601 date or time; write it like 2026-03-14T09:00 or 2026-03-14"
        ) from exc
    # Plans look a year and more around `now`, in every time zone: the years at the ends of the
    # calendar cannot be planned in (and are never meant).
    if not 1900 <= parsed.year <= 9000:
        raise ValueError(f"--now {value!r} is outside the years 1900 to 9000 nurture can plan in; give a date in them")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(default_timezone))
    return parsed.astimezone(UTC)


def clock_from(value: str | None, default_timezone: str = "UTC") -> Clock:
    """The clock for a command: shifted when `--now`/`NURTURE_NOW` is given, else the real one."""
    if value:
        return ShiftedClock(parse_now(value, default_timezone))
    return SystemClock()
