"""Builders for planning tests: a contact, rules and library with sensible defaults, overridable per test."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nurture.domain.content import ContentItem
from nurture.planning.inputs import (
    ExistingMessage,
    PlanContact,
    PlanEvent,
    PlannedMessage,
    PlanningRules,
    PlanResult,
)
from nurture.planning.planner import plan_contact

ALL_OCCASIONS = frozenset(
    {"birthday", "job_change", "promotion", "work_anniversary", "publication", "achievement", "content_drop",
     "reconnect"}
)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(tz: str, *args: int) -> datetime:
    """A wall-clock time in `tz`, as aware UTC."""
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)  # type: ignore[misc]


def make_rules(**changes: Any) -> PlanningRules:
    base = PlanningRules(
        horizon=timedelta(days=14),
        window_start=time(8, 30),
        window_end=time(17, 0),
        weekdays_only=True,
        cadence={"A": timedelta(days=21), "B": timedelta(days=45), "C": timedelta(days=90)},
        max_per_contact=2,
        cap_window=timedelta(days=30),
        enabled=ALL_OCCASIONS,
        reconnect_after=timedelta(days=180),
    )
    return replace(base, **changes)


def make_contact(**changes: Any) -> PlanContact:
    base = PlanContact(
        id=7,
        tier="B",
        timezone="Europe/Berlin",
        country="DE",
        language="de",
        topics=("vertrieb",),
        birthday=None,
        started_on=None,
        created_at=LONG_AGO,
        last_touch_at=None,
        degree=0,
    )
    return replace(base, **changes)


def item(item_id: str, language: str = "de", topics: Sequence[str] = ("vertrieb",), **kw: Any) -> ContentItem:
    return ContentItem(id=item_id, title=item_id, url=f"https://example.com/{item_id}", kind="guide",
                       language=language, topics=tuple(topics), **kw)


def plan(
    contact: PlanContact,
    now: datetime,
    rules: PlanningRules | None = None,
    events: Sequence[PlanEvent] = (),
    existing: Sequence[ExistingMessage] = (),
    library: Sequence[ContentItem] = (),
    neighbour_items: Mapping[str, datetime] | None = None,
) -> PlanResult:
    return plan_contact(contact, events, existing, library, neighbour_items or {}, now, rules or make_rules())


def as_existing(messages: Sequence[PlannedMessage], status: str = "pending") -> list[ExistingMessage]:
    return [ExistingMessage(m.contact_id, m.occasion, m.send_at, status, m.content_id, m.key) for m in messages]


def only(result: PlanResult, occasion: str) -> list[PlannedMessage]:
    return [m for m in result.messages if m.occasion == occasion]


def event(kind: str, learned_at: datetime, event_id: int = 1, on: date | None = None) -> PlanEvent:
    return PlanEvent(event_id, 7, kind, on or learned_at.date(), learned_at, {"company": "Acme"})
