"""The contact plan (every planned touch per contact) and coverage against each tier's target.

Sales practice: plan every communication with each important partner for the coming months,
then check that everybody gets enough attention for their importance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.adapters.db.tables import Contact, Message, Touch
from nurture.domain.vocabulary import MAILABLE_CONSENTS

PLANNED = ("pending", "approved", "review", "blocked", "sending")


def plan_report(session: Session, now: datetime, months: int) -> list[dict[str, Any]]:
    """Contacts with their planned touches in the next `months` months, in send order."""
    until = now + timedelta(days=31 * months)
    rows = session.execute(
        select(Message, Contact)
        .join(Contact, Contact.id == Message.contact_id)
        .where(Message.status.in_(PLANNED), Message.send_at >= now - timedelta(days=1), Message.send_at <= until)
        .order_by(Contact.id, Message.send_at)
    )
    plan: dict[int, dict[str, Any]] = {}
    for m, c in rows:
        entry = plan.setdefault(c.id, {
            "contact_id": c.id, "name": " ".join(x for x in (c.first_name, c.last_name) if x) or c.email,
            "email": c.email, "tier": c.tier, "touches": [],
        })  # fmt: skip
        entry["touches"].append({"message_id": m.id, "occasion": m.occasion, "status": m.status,
                                 "send_at": m.send_at.isoformat(), "subject": m.subject})  # fmt: skip
    return list(plan.values())


def plan_ics(plan: list[dict[str, Any]], now: datetime) -> bytes:
    """The plan as iCalendar, one event per planned touch."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//nurture//contact plan//EN")
    cal.add("version", "2.0")
    for entry in plan:
        for t in entry["touches"]:
            ev = Event()
            start = datetime.fromisoformat(t["send_at"])
            ev.add("uid", f"nurture-message-{t['message_id']}@nurture")
            ev.add("dtstamp", now)
            ev.add("dtstart", start)
            ev.add("dtend", start + timedelta(minutes=15))
            ev.add("summary", f"{t['occasion']}: {entry['name']} ({t['status']})")
            ev.add("description", t["subject"] or "")
            cal.add_component(ev)
    return cal.to_ical()


@dataclass(frozen=True)
class CoverageRow:
    contact_id: int
    name: str
    tier: str
    touches: int
    target: int
    planned: int
    last_touch: datetime | None

    @property
    def neglected(self) -> bool:
        return self.touches + self.planned < self.target


def coverage(session: Session, now: datetime, cadence: Mapping[str, timedelta], days: int = 365) -> list[CoverageRow]:
    """Touches in the last `days` (sent messages and recorded touches) against the tier's target."""
    since = now - timedelta(days=days)
    sent = dict(session.execute(
        select(Message.contact_id, func.count()).where(Message.status == "sent", Message.sent_at >= since)
        .group_by(Message.contact_id)
    ).all())  # fmt: skip
    manual = dict(session.execute(
        select(Touch.contact_id, func.count()).where(Touch.at >= since).group_by(Touch.contact_id)
    ).all())  # fmt: skip
    planned = dict(session.execute(
        select(Message.contact_id, func.count()).where(Message.status.in_(PLANNED)).group_by(Message.contact_id)
    ).all())  # fmt: skip
    rows = []
    contacts = session.scalars(
        select(Contact).where(Contact.consent.in_(MAILABLE_CONSENTS), Contact.unsubscribed.is_(False),
                              Contact.bounced.is_(False)).order_by(Contact.tier, Contact.id)
    )  # fmt: skip
    for c in contacts:
        gap = cadence.get(c.tier) or timedelta(days=90)
        target = max(1, round(timedelta(days=days) / gap))
        # Within the first year a contact can only be expected to have had its share so far.
        known = min(days, max(1, (now - c.created_at).days))
        target = max(1, round(target * known / days))
        rows.append(CoverageRow(c.id, " ".join(x for x in (c.first_name, c.last_name) if x) or c.email, c.tier,
                                sent.get(c.id, 0) + manual.get(c.id, 0), target, planned.get(c.id, 0),
                                c.last_touch_at))  # fmt: skip
    return rows


def coverage_by_tier(rows: list[CoverageRow]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = defaultdict(lambda: {"contacts": 0, "covered": 0, "neglected": 0})
    for r in rows:
        t = result[r.tier]
        t["contacts"] += 1
        t["neglected" if r.neglected else "covered"] += 1
    return dict(sorted(result.items()))
