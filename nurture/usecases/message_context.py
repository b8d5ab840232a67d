"""What a template needs to know about the occasion, shared by planning and re-rendering."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from nurture.adapters.db.tables import Event
from nurture.domain.contacts import ContactView
from nurture.domain.content import ContentItem

# The details the templates of each event kind read (templates/README.md, `event.details`); every
# one is optional. `event add` refuses any other key, since no template would ever show it.
EVENT_DETAIL_KEYS: dict[str, tuple[str, ...]] = {
    "job_change": ("company", "position", "old_company", "old_position"),
    "promotion": ("position",),
    "work_anniversary": ("years", "company"),
    "publication": ("title",),
    "achievement": ("what",),
}


def event_context(
    view: ContactView,
    occasion: str,
    occasion_date: date,
    kind: str | None = None,
    event_date: date | None = None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The `event` template variable: the recorded event, or the anniversary derived from started_on."""
    if kind is not None:
        return {"kind": kind, "date": event_date, "details": dict(details or {})}
    if occasion == "work_anniversary" and view.started_on is not None:
        return {
            "kind": "work_anniversary",
            "date": occasion_date,
            "details": {"years": occasion_date.year - view.started_on.year, "company": view.company or ""},
        }
    return None


def stored_event_context(
    session: Session, view: ContactView, occasion: str, occasion_date: date, event_id: int | None
) -> dict[str, Any] | None:
    """`event_context` for a message already in the database."""
    event = session.get(Event, event_id) if event_id is not None else None
    if event is None:
        return event_context(view, occasion, occasion_date)
    return event_context(view, occasion, occasion_date, event.kind, event.date, event.details)


def content_item(library: Sequence[ContentItem], content_id: str | None) -> ContentItem | None:
    return next((c for c in library if c.id == content_id), None) if content_id else None
