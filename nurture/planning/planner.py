"""The contact plan for one contact: what to send and when, from its occasions, cadence and caps.

Order matters: greetings first (they belong to their day), then congratulations, then the
cadence (content drops, or a reconnect when no content drop can be planned). Each decision is
added to the contact's `Schedule` before the next one, so the cap and the one-message-per-day
rule hold for stored and newly planned messages alike. Keys already stored are never planned
again, whatever their status, so planning twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from nurture.domain.content import ContentItem
from nurture.planning.caps import Schedule
from nurture.planning.content_drops import (
    cadence_gap,
    catch_up,
    choose_item,
    no_item_reason,
    touch_base,
    used_items,
)
from nurture.planning.inputs import (
    CONGRATULATIONS,
    ExistingMessage,
    PlanContact,
    PlanEvent,
    PlannedMessage,
    PlanningRules,
    PlanResult,
)
from nurture.planning.next_due import reconnect_on
from nurture.planning.occasions import (
    congratulation_window,
    content_key,
    days_between,
    event_key,
    greeting_key,
    greetings,
    reconnect_key,
)
from nurture.planning.send_time import (
    UnknownTimeZone,
    at_local,
    ceil_minute,
    end_of_local_day,
    is_business_day,
    local_date,
    zone,
)

# Content drops and reconnects planned for one contact in one run, at most (a guard, not a rule).
MAX_CADENCE_STEPS = 100
# How far past the horizon a due message's next free slot is looked for (beyond: the daily sweep).
LOOK_AHEAD = timedelta(days=31)


def plan_contact(
    contact: PlanContact,
    events: Sequence[PlanEvent],
    existing: Sequence[ExistingMessage],
    library: Sequence[ContentItem],
    neighbour_items: Mapping[str, datetime],
    now: datetime,
    rules: PlanningRules,
) -> PlanResult:
    """New messages for `contact` with send times in [now, now + horizon], and why others were not planned.

    `neighbour_items` maps a content item id to when it was last sent (or planned) to one of the
    contact's colleagues or graph neighbours.
    """
    result = PlanResult()
    try:
        zone(contact.timezone)
    except UnknownTimeZone as exc:
        result.skipped.append(f"{exc}: nothing planned")
        return result
    run = _ContactRun(contact, existing, now, rules, result)
    run.plan_greetings(events)
    run.plan_congratulations(events)
    run.plan_cadence(library, neighbour_items)
    return result


class _ContactRun:
    def __init__(
        self,
        contact: PlanContact,
        existing: Sequence[ExistingMessage],
        now: datetime,
        rules: PlanningRules,
        result: PlanResult,
    ) -> None:
        self.contact = contact
        self.tz = contact.timezone
        self.existing = existing
        self.now = now
        self.rules = rules
        self.result = result
        self.horizon_end = now + rules.horizon
        self.keys = {m.key for m in existing if m.key}
        self.schedule = Schedule(self.tz, rules, existing)

    # --- helpers -------------------------------------------------------------------------------

    def skip(self, reason: str) -> None:
        if reason not in self.result.skipped:
            self.result.skipped.append(reason)

    def add(self, message: PlannedMessage) -> None:
        self.result.messages.append(message)
        self.keys.add(message.key)
        self.schedule.add(message.send_at, message.occasion)

    def slot_on(self, day: date, earliest: datetime) -> datetime | None:
        """The first time inside the send window on local `day` not before `earliest`."""
        start = at_local(day, self.rules.window_start, self.tz)
        end = at_local(day, self.rules.window_end, self.tz)
        at = max(start, ceil_minute(earliest))
        return at if at < end else None

    def find_slot(self, earliest: datetime, latest: datetime, occasion: str, business: bool) -> datetime | None:
        """The first free window slot in [earliest, latest]: a free local day, under the cap."""
        if latest < earliest:
            return None
        for day in days_between(local_date(earliest, self.tz), local_date(latest, self.tz)):
            if business and not is_business_day(day, self.contact.country):
                continue
            if not self.schedule.day_free(day):
                continue
            at = self.slot_on(day, earliest)
            if at is None:
                continue
            if at > latest:
                break
            if self.schedule.cap_allows(at, occasion):
                return at
        return None

    def no_slot_reason(self, earliest: datetime, latest: datetime, occasion: str, business: bool) -> str | None:
        """Why `find_slot` found nothing: the cap, days taken, no business day; None when simply no
        window slot falls inside [earliest, latest] (the time comes after the horizon's end)."""
        taken = capped = closed = False
        for day in days_between(local_date(earliest, self.tz), local_date(latest, self.tz)):
            at = self.slot_on(day, earliest)
            if at is None or at > latest:
                continue
            if business and not is_business_day(day, self.contact.country):
                closed = True
            elif not self.schedule.day_free(day):
                taken = True
            elif not self.schedule.cap_allows(at, occasion):
                capped = True
        if capped:
            return self.cap_text()
        if taken:
            return "every day left in the horizon already has a message (one a day)"
        if closed:
            return "no business day left in the horizon (weekends and the contact's public holidays are skipped)"
        return None

    # --- occasions -----------------------------------------------------------------------------

    def plan_greetings(self, events: Sequence[PlanEvent]) -> None:
        today = local_date(self.now, self.tz)
        last = local_date(self.horizon_end, self.tz)
        cid = self.contact.id
        for greeting in greetings(self.contact, list(events), today, last):
            occasion, day = greeting.occasion, greeting.day
            if occasion not in self.rules.enabled:
                continue
            key = greeting_key(cid, occasion, day)
            if key in self.keys:
                continue
            at = self.slot_on(day, self.now)
            if at is None:
                self.skip(f"{occasion} on {day.isoformat()}: the day's send window has passed")
                continue
            if at > self.horizon_end:
                continue
            if not self.schedule.day_free(day):
                self.skip(f"{occasion} on {day.isoformat()}: another message is planned that day")
                continue
            if not self.schedule.cap_allows(at, occasion):
                self.skip(f"{occasion} on {day.isoformat()}: {self.cap_text()}")
                continue
            self.add(PlannedMessage(key, cid, occasion, day, at, end_of_local_day(day, self.tz), greeting.event_id))

    def plan_congratulations(self, events: Sequence[PlanEvent]) -> None:
        """One congratulation per kind of event within `event_expiry`.

        The same news often arrives twice — an import sees the new company, the next one the new
        position there, or someone also records it by hand — and is congratulated once; a
        congratulation the approver rejected counts too.
        """
        cid = self.contact.id
        expiry = self.rules.event_expiry
        congratulated = [(m.occasion, m.send_at) for m in self.existing
                         if m.occasion in CONGRATULATIONS and (m.active or m.status == "rejected")]  # fmt: skip
        for event in sorted(events, key=lambda e: (e.learned_at, e.id)):
            if event.kind not in CONGRATULATIONS or event.kind not in self.rules.enabled:
                continue
            key = event_key(cid, event.kind, event.id)
            if key in self.keys:
                continue
            window = congratulation_window(event, self.now, expiry)
            if window is None:
                continue
            if any(kind == event.kind and abs(at - event.learned_at) < expiry for kind, at in congratulated):
                self.skip(f"{event.kind} (event {event.id}): already congratulated on one")
                continue
            earliest, expires = window
            latest = min(expires - timedelta(minutes=1), self.horizon_end)
            at = self.find_slot(earliest, latest, event.kind, business=False)
            if at is None:
                if expires <= self.horizon_end:
                    self.skip(f"{event.kind} (event {event.id}): no free day before it expires")
                continue
            self.add(PlannedMessage(key, cid, event.kind, event.date, at, expires, event.id))
            congratulated.append((event.kind, at))

    # --- cadence -------------------------------------------------------------------------------

    def plan_cadence(self, library: Sequence[ContentItem], neighbour_items: Mapping[str, datetime]) -> None:
        """Content drops as the cadence falls due; a reconnect for a long-untouched contact instead."""
        rules = self.rules
        gap = cadence_gap(self.contact, rules) if "content_drop" in rules.enabled else None
        reconnect_after = rules.reconnect_after if reconnect_on(rules) else None
        base = touch_base(self.contact, self.existing)
        used = used_items(self.existing)
        cid = self.contact.id
        for _ in range(MAX_CADENCE_STEPS):
            if gap is not None and base + gap <= self.horizon_end:
                earliest = catch_up(self.contact, base + gap, gap, self.now, rules)
                if earliest > self.horizon_end:
                    # Long overdue, its day of catching up after this horizon: it comes then, and no
                    # reconnect stands in for it — unless no item would fit even then.
                    day = local_date(earliest, self.tz)
                    if choose_item(self.contact, library, day, earliest, used, neighbour_items, rules.content_gap):
                        break
                    self.skip(no_item_reason(self.contact))
                    gap = None
                    continue
                at = self.find_slot(max(earliest, self.now), self.horizon_end, "content_drop", rules.weekdays_only)
                if at is None:
                    why = self.no_slot_reason(max(earliest, self.now), self.horizon_end, "content_drop",
                                              rules.weekdays_only)  # fmt: skip
                    if why is not None:  # else its slot simply comes after the horizon: planned then
                        self.skip(f"content_drop: no free day within the horizon ({why})")
                    self.wait_for_slot(max(earliest, self.now), "content_drop")
                else:
                    day = local_date(at, self.tz)
                    item = choose_item(self.contact, library, day, at, used, neighbour_items, rules.content_gap)
                    if item is None:
                        self.skip(no_item_reason(self.contact))
                    elif content_key(cid, item.id) not in self.keys:
                        self.add(PlannedMessage(content_key(cid, item.id), cid, "content_drop", day, at,
                                                content_id=item.id))
                        used.add(item.id)
                        base = at
                        continue
            if reconnect_after is not None and base + reconnect_after <= self.horizon_end:
                earliest = catch_up(self.contact, base + reconnect_after, reconnect_after, self.now, rules)
                if earliest > self.horizon_end:
                    break
                at = self.find_slot(max(earliest, self.now), self.horizon_end, "reconnect", rules.weekdays_only)
                if at is None:
                    self.wait_for_slot(max(earliest, self.now), "reconnect")
                else:
                    day = local_date(at, self.tz)
                    key = reconnect_key(cid, day)
                    if key not in self.keys:
                        self.add(PlannedMessage(key, cid, "reconnect", day, at))
                        base = at
                        continue
            break

    def wait_for_slot(self, earliest: datetime, occasion: str) -> None:
        """Note when the first slot after the horizon comes, so the contact is looked at again just then."""
        later = self.find_slot(max(earliest, self.horizon_end), self.horizon_end + LOOK_AHEAD, occasion,
                               self.rules.weekdays_only)  # fmt: skip
        if later is not None and (self.result.look_again_at is None or later < self.result.look_again_at):
            self.result.look_again_at = later

    def cap_text(self) -> str:
        days = self.rules.cap_window / timedelta(days=1)
        return f"cap of {self.rules.max_per_contact} messages per {days:g} days reached"
