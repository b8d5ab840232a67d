"""How often: the rolling cap per contact and the one-message-per-local-day rule.

A `Schedule` holds the contact's active messages (stored ones and those planned in this run).
Greetings and congratulations are only held back by each other, so they win over content;
content drops and reconnects must fit under the cap counting everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from nurture.planning.inputs import CADENCE_OCCASIONS, ExistingMessage, PlanningRules
from nurture.planning.send_time import local_date


def fits_cap(times: Iterable[datetime], at: datetime, window: timedelta, limit: int) -> bool:
    """Whether adding `at` keeps every rolling window of length `window` at `limit` messages or fewer.

    The fullest window containing `at` starts at a message time in (at - window, at], so those
    starting points are the only ones to check.
    """
    if limit < 1:
        return True
    near = sorted([t for t in times if at - window < t < at + window] + [at])
    for start in near:
        if start > at:
            break
        if start <= at - window:
            continue
        if sum(1 for t in near if start <= t < start + window) > limit:
            return False
    return True


class Schedule:
    """One contact's calendar of active messages: which local days are taken, what the cap allows."""

    def __init__(self, tz: str, rules: PlanningRules, existing: Iterable[ExistingMessage] = ()) -> None:
        self.tz = tz
        self.rules = rules
        self.days: set[date] = set()
        self.every: list[datetime] = []
        self.occasions: list[datetime] = []
        for msg in existing:
            if msg.active:
                self.add(msg.send_at, msg.occasion)

    def day_free(self, day: date) -> bool:
        return day not in self.days

    def cap_allows(self, at: datetime, occasion: str) -> bool:
        """Content counts everything; greetings and congratulations count only each other."""
        times = self.every if occasion in CADENCE_OCCASIONS else self.occasions
        return fits_cap(times, at, self.rules.cap_window, self.rules.max_per_contact)

    def add(self, at: datetime, occasion: str) -> None:
        self.days.add(local_date(at, self.tz))
        self.every.append(at)
        if occasion not in CADENCE_OCCASIONS:
            self.occasions.append(at)
