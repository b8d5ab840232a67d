"""Plan marks in the database: where the last complete planning run with these rules left off.

An hourly re-plan reads the newest mark and looks only at what can have changed since: contacts
marked for another look (`next_due_at` is NULL after an edit, import, touch, event or link),
content drops that fell due after the mark's horizon, birthdays and anniversaries on the days
around the horizon's moving end, and events newer than the mark.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.adapters.db.tables import Event, PlanMark
from nurture.domain.content import ContentItem
from nurture.planning.inputs import PlanningRules


def _plain(value: Any) -> Any:
    """A JSON-ready value that is the same in every process (sets sorted, dates as ISO text)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted(str(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def plan_fingerprint(rules: PlanningRules, library: Sequence[ContentItem]) -> str:
    """Names what the decisions depend on besides the contacts: the rules and the content library."""
    # `line` only says where an item stands in content.toml; moving it changes no decision.
    items = [dataclasses.replace(item, line=None) for item in library]
    text = json.dumps({"rules": _plain(rules), "library": _plain(items)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def last_mark(session: Session, fingerprint: str) -> PlanMark | None:
    query = select(PlanMark).where(PlanMark.fingerprint == fingerprint).order_by(PlanMark.id.desc()).limit(1)
    mark = session.scalars(query).first()
    if mark is not None:
        session.expunge(mark)
    return mark


def newest_mark(session: Session) -> PlanMark | None:
    """The newest mark of any rules: tells whether the rules or the library changed since."""
    mark = session.scalars(select(PlanMark).order_by(PlanMark.id.desc()).limit(1)).first()
    if mark is not None:
        session.expunge(mark)
    return mark


def newest_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(Event.id))) or 0)


def save_mark(
    session: Session, fingerprint: str, planned_at: datetime, horizon_end: datetime, swept_at: datetime,
    max_event_id: int,
) -> None:
    """Record a complete run; marks older than the previous few are of no further use."""
    session.add(PlanMark(fingerprint=fingerprint, planned_at=planned_at, horizon_end=horizon_end,
                         swept_at=swept_at, max_event_id=max_event_id))  # fmt: skip
    session.flush()
    cutoff = session.scalar(select(PlanMark.id).order_by(PlanMark.id.desc()).offset(20).limit(1))
    if cutoff is not None:
        session.execute(PlanMark.__table__.delete().where(PlanMark.id <= cutoff))
