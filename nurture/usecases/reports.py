"""The contact plan (every planned touch per contact) and coverage against each tier's target.

Sales practice: plan every communication with each important partner for the coming months,
then check that everybody gets enough attention for their importance.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from nurture.adapters.db.tables import Contact, Message, PlanMark, Touch
from nurture.domain.birthdays import birthday_date
from nurture.domain.contacts import stored_name
from nurture.domain.content import ContentItem
from nurture.domain.vocabulary import MAILABLE_CONSENTS
from nurture.planning.inputs import CADENCE_OCCASIONS, STALE_AFTER, PlanningRules
from nurture.planning.send_time import UnknownTimeZone, zone
from nurture.usecases.forecast import foreseen_touches

PLANNED = ("planned", "pending", "approved", "review", "blocked", "sending")


def _local(at: datetime, timezone: str) -> datetime:
    """An instant in the contact's own zone; UTC when the stored zone is none ("Europe" is a folder)."""
    try:
        return at.astimezone(zone(timezone))
    except UnknownTimeZone:
        return at.astimezone(UTC)


def plan_report(
    session: Session,
    now: datetime,
    months: int,
    rules: PlanningRules | None = None,
    library: Sequence[ContentItem] = (),
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Contacts with their touches in the next `months` months, in send order.

    The planned ones are the stored messages (`message_id` and `status` as the queue shows
    them). With the planning `rules`, the touches the planner will only decide when they come
    within its horizon are added as `foreseen` (see `nurture.usecases.forecast`), so the plan
    covers all the months asked for. A contact that bounced or lost its legal basis keeps its
    open messages, but none of them will go out (sending checks again): they are no planned
    touch. Send times are given in the contact's own time zone, as the queue shows them.
    """
    until = now + timedelta(days=31 * months)
    rows = session.execute(
        select(Message, Contact)
        .join(Contact, Contact.id == Message.contact_id)
        .where(Message.status.in_(PLANNED), Message.send_at >= now - timedelta(days=1), Message.send_at <= until,
               Contact.consent.in_(MAILABLE_CONSENTS), Contact.unsubscribed.is_(False), Contact.bounced.is_(False))
        .order_by(Contact.id, Message.send_at)
    )  # fmt: skip
    plan: dict[int, dict[str, Any]] = {}
    for m, c in rows:
        plan.setdefault(c.id, _plan_entry(c))["touches"].append({
            "message_id": m.id, "key": m.key, "occasion": m.occasion, "status": m.status,
            "send_at": _local(m.send_at, c.timezone).isoformat(), "subject": m.subject, "content_id": m.content_id,
            "reason": m.reason if m.status in ("review", "blocked") else None,
        })  # fmt: skip
    if rules is None:
        return list(plan.values())
    titles = {item.id: item.title for item in library}
    foreseen: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for f in foreseen_touches(session, now, until, rules, library, progress=progress):
        p = f.planned
        foreseen[f.contact_id].append({
            "message_id": None, "key": p.key, "occasion": p.occasion, "status": FORESEEN,
            "send_at": _local(p.send_at, f.timezone).isoformat(), "subject": None, "content_id": p.content_id,
            "content_title": titles.get(p.content_id or ""), "reason": None,
        })  # fmt: skip
    missing = sorted(set(foreseen) - set(plan))
    for start in range(0, len(missing), 500):
        for c in session.scalars(select(Contact).where(Contact.id.in_(missing[start : start + 500]))):
            plan[c.id] = _plan_entry(c)
    for cid, touches in foreseen.items():
        entry = plan[cid]
        entry["touches"] = sorted(entry["touches"] + touches, key=lambda t: _utc(t["send_at"]))
    return [plan[cid] for cid in sorted(plan)]


FORESEEN = "foreseen"


def _plan_entry(c: Contact) -> dict[str, Any]:
    name = stored_name(c.first_name, c.last_name, c.email, c.id)
    return {"contact_id": c.id, "name": name, "email": c.email, "tier": c.tier, "touches": []}


def _utc(local_iso: str) -> datetime:
    return datetime.fromisoformat(local_iso).astimezone(UTC)


def plan_ics(plan: list[dict[str, Any]], now: datetime, domain: str = "nurture") -> bytes:
    """The plan as iCalendar, one event per planned or foreseen touch.

    Times are written in UTC: a fixed offset would become a TZID without a VTIMEZONE, which
    calendar programs read as floating or reject. Each UID is the touch's planning key (contact,
    occasion and its day or content item) with the sender's `domain`: a foreseen touch keeps its
    UID when it is planned, so a calendar that reads the file again updates the entry instead of
    showing it twice; and two companies' plans (or a seller's two accounts) imported into one
    calendar never overwrite each other's entries.
    """
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//nurture//contact plan//EN")
    cal.add("version", "2.0")
    for entry in plan:
        for t in entry["touches"]:
            ev = Event()
            start = _utc(t["send_at"])
            ev.add("uid", f"nurture-{t['key']}@{domain}")
            ev.add("dtstamp", now.astimezone(UTC))
            ev.add("dtstart", start)
            ev.add("dtend", start + timedelta(minutes=15))
            ev.add("summary", f"{t['occasion']}: {entry['name']} ({t['status']})")
            ev.add("description", t["subject"] or touch_description(t))
            cal.add_component(ev)
    return cal.to_ical()


def touch_description(touch: Mapping[str, Any]) -> str:
    """What the plan says of a touch whose words are not written yet."""
    if touch["status"] == FORESEEN:
        title = touch.get("content_title")
        return f"foreseen: {title}" if title else "foreseen: decided and written when it comes near"
    if touch.get("reason"):
        return f"({touch['status']}: {touch['reason']})"
    return "(written when it comes near)"


@dataclass(frozen=True)
class CoverageRow:
    contact_id: int
    name: str
    tier: str
    done: int
    planned: int
    target: int
    next_occasion: str | None

    @property
    def neglected(self) -> bool:
        return self.done + self.planned < self.target


def next_occasion(contact: Contact, today: date) -> str | None:
    """The next birthday or work anniversary that could reach a neglected contact.

    As the planner greets them: 29 February on 28 February in other years, and a work
    anniversary only from the first full year on (the start day itself is none).
    """
    found: list[tuple[date, str]] = []
    for label, value in (("birthday", birthday_date(contact.birthday)), ("work_anniversary", contact.started_on)):
        if value is None:
            continue
        first = today.year if label == "birthday" else max(today.year, value.year + 1)
        for year in (first, first + 1):
            leap_day = (value.month, value.day) == (2, 29) and not calendar.isleap(year)
            day = value.replace(year=year, day=28) if leap_day else value.replace(year=year)
            if day >= today:
                found.append((day, label))
                break
    if not found:
        return None
    day, label = min(found)
    return f"{label} on {day.isoformat()}"


def expected_touches(gap: timedelta | None, seen: timedelta) -> int:
    """How many touches a cadence of `gap` guarantees in any stretch of time `seen` long.

    Touches exactly `gap` apart put at least floor(seen / gap) into every such stretch; a
    rounded-up figure flagged contacts served right on their cadence as neglected.
    """
    if gap is None or gap <= timedelta(0) or seen <= timedelta(0):
        return 0
    return seen // gap


def coverage(session: Session, now: datetime, cadence: Mapping[str, timedelta], days: int = 90) -> list[CoverageRow]:
    """Touches done in the last `days` and planned in the next `days`, against the tier's target.

    The target counts only the time in which touches can be seen: since the contact was added
    (someone imported today cannot have been touched last month), and ahead only as far as the
    last planning run planned (nothing is planned beyond its horizon). A tier without a cadence
    has no target. Interactions recorded later than `now` are not done yet.
    """
    since, until = now - timedelta(days=days), now + timedelta(days=days)
    sent = dict(session.execute(
        select(Message.contact_id, func.count())
        .where(Message.status == "sent", Message.sent_at >= since, Message.sent_at <= now)
        .group_by(Message.contact_id)
    ).all())  # fmt: skip
    manual = dict(session.execute(
        select(Touch.contact_id, func.count()).where(Touch.at >= since, Touch.at <= now, Touch.source != "nurture")
        .group_by(Touch.contact_id)
    ).all())  # fmt: skip
    # Only what can still go: a greeting whose day ended, or a drop nobody approved within
    # STALE_AFTER, is dead even before a plan or send run marks it expired.
    planned = dict(session.execute(
        select(Message.contact_id, func.count())
        .where(Message.status.in_(PLANNED), Message.send_at <= until,
               or_(Message.expires_at.is_(None), Message.expires_at > now),
               or_(Message.occasion.not_in(sorted(CADENCE_OCCASIONS)), Message.status.in_(("approved", "sending")),
                   Message.send_at > now - STALE_AFTER))
        .group_by(Message.contact_id)
    ).all())  # fmt: skip
    planned_until = session.scalar(select(PlanMark.horizon_end).order_by(PlanMark.id.desc()).limit(1))
    ahead = min(max(planned_until - now, timedelta(0)), until - now) if planned_until is not None else timedelta(0)
    rows = []
    contacts = session.scalars(
        select(Contact).where(Contact.consent.in_(MAILABLE_CONSENTS), Contact.unsubscribed.is_(False),
                              Contact.bounced.is_(False)).order_by(Contact.tier, Contact.id)
    )  # fmt: skip
    today = now.date()
    for c in contacts:
        behind = now - max(since, min(c.created_at, now))
        target = expected_touches(cadence.get(c.tier), behind + ahead)
        rows.append(CoverageRow(c.id, stored_name(c.first_name, c.last_name, c.email, c.id),
                                c.tier, sent.get(c.id, 0) + manual.get(c.id, 0), planned.get(c.id, 0), target,
                                next_occasion(c, today)))  # fmt: skip
    return rows


def coverage_by_tier(rows: list[CoverageRow]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = defaultdict(
        lambda: {"contacts": 0, "target": 0, "done": 0, "planned": 0, "neglected": 0}
    )
    for r in rows:
        t = result[r.tier]
        t["contacts"] += 1
        t["target"] += r.target
        t["done"] += r.done
        t["planned"] += r.planned
        t["neglected"] += int(r.neglected)
    return dict(sorted(result.items()))
