"""What the planner decides from and what it decides: plain frozen records, no database rows.

The shell (the `plan` use case) fills these from the database and writes the result back;
keeping them plain lets the planning rules be tested with nothing but a fixed clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

# Messages that still take up a day and a place under the cap (rejected, expired and failed ones do not).
ACTIVE_STATUSES = frozenset({"planned", "pending", "review", "blocked", "approved", "sending", "sent"})
# Occasions that fill the cadence; everything else is an occasion of the person's life.
CADENCE_OCCASIONS = frozenset({"content_drop", "reconnect"})
# A content drop or reconnect nobody approved within this long after its send time expires: a
# backlog approved weeks late would otherwise reach a contact as several mails at once, and the
# next planning run plans a fresh one instead.
STALE_AFTER = timedelta(days=7)
# Events congratulated once, soon after we learn of them.
CONGRATULATIONS = frozenset({"job_change", "promotion", "publication", "achievement"})


@dataclass(frozen=True)
class PlanContact:
    """The parts of a contact that planning looks at.

    `birthday` is a date or the stored text (`YYYY-MM-DD`, or `--MM-DD` without a year); planning
    only ever uses its month and day. `degree` is the contact's number of graph neighbours.
    """

    id: int
    tier: str
    timezone: str
    country: str | None
    language: str
    topics: tuple[str, ...]
    birthday: date | str | None
    started_on: date | None
    created_at: datetime
    last_touch_at: datetime | None = None
    degree: int = 0


@dataclass(frozen=True)
class PlanEvent:
    """Something that happened to the contact (job change, promotion, ...) and when we learned of it."""

    id: int
    contact_id: int
    kind: str
    date: date
    learned_at: datetime
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExistingMessage:
    """A message already stored for the contact, in whatever status."""

    contact_id: int
    occasion: str
    send_at: datetime
    status: str
    content_id: str | None = None
    key: str = ""

    @property
    def active(self) -> bool:
        """Still going out (or gone out): it occupies its day and counts against the cap."""
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class PlanningRules:
    """The planning part of the configuration, built by the shell because planning never reads settings.

    `cadence` maps a tier to the target gap between touches. `max_per_contact` < 1 switches the cap
    off. `connector_degree` < 1 switches the connector promotion off. `event_expiry` is how long
    after we learn of an event its congratulation may still go out.
    """

    horizon: timedelta
    window_start: time
    window_end: time
    weekdays_only: bool
    cadence: Mapping[str, timedelta]
    max_per_contact: int
    cap_window: timedelta
    enabled: frozenset[str]
    reconnect_after: timedelta | None
    content_gap: timedelta = timedelta(days=14)
    connector_degree: int = 5
    event_expiry: timedelta = timedelta(days=14)


@dataclass(frozen=True)
class PlannedMessage:
    """A decision: this occasion goes to this contact at `send_at` (aware UTC), unless past `expires_at`."""

    key: str
    contact_id: int
    occasion: str
    occasion_date: date
    send_at: datetime
    expires_at: datetime | None = None
    event_id: int | None = None
    content_id: str | None = None


@dataclass
class PlanResult:
    """The messages to add, and why expected ones were not planned (for the coverage report)."""

    messages: list[PlannedMessage] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # A content drop or reconnect was due but found no free slot before the horizon's end: the
    # first free slot after it (within a month), when the contact is worth looking at again.
    look_again_at: datetime | None = None


def parse_month_day(value: date | str | None) -> tuple[int, int] | None:
    """(month, day) of a date or of `YYYY-MM-DD` / `--MM-DD` text; None when absent or unreadable."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.month, value.day
    text = value.strip()
    if text.startswith("--"):
        text = "2000-" + text[2:]  # a leap year, so that --02-29 is valid
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        return None
    return parsed.month, parsed.day
