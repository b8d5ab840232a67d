"""Properties of any plan: inside the local window and horizon, one a day, under the cap, unique keys, idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from planning_builders import ALL_OCCASIONS, as_existing, item

from nurture.planning.inputs import CADENCE_OCCASIONS, ExistingMessage, PlanContact, PlanEvent, PlanningRules
from nurture.planning.planner import plan_contact
from nurture.planning.send_time import end_of_local_day, is_business_day

ZONES = [
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Zurich",
    "America/Los_Angeles",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # half-hour DST shift
    "UTC",
]
COUNTRIES = ["DE", "AT", "CH", "US", "NZ", "IN", None]
KINDS = ["job_change", "promotion", "publication", "achievement", "work_anniversary"]
LIBRARY = [
    item("de-sales", "de", ("vertrieb",)),
    item("de-crm", "de", ("crm", "vertrieb")),
    item("de-general", "de", ()),
    item("de-old", "de", ("crm",), valid_until=date(2027, 1, 1)),
    item("en-sales", "en", ("sales",)),
    item("en-ai", "en", ("ai",)),
]

instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[PlanContact, list[PlanEvent], PlanningRules, datetime]:
    now = draw(instants)
    birthday = draw(st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2005, 12, 31)),
                              st.dates(date(2000, 1, 1), date(2000, 12, 31)).map(lambda d: f"--{d:%m-%d}")))
    started = draw(st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2028, 12, 31))))
    last_touch = draw(st.one_of(st.none(), st.integers(0, 400).map(lambda n: now - timedelta(days=n, hours=3))))
    contact = PlanContact(
        id=draw(st.integers(1, 10_000)),
        tier=draw(st.sampled_from("ABC")),
        timezone=draw(st.sampled_from(ZONES)),
        country=draw(st.sampled_from(COUNTRIES)),
        language=draw(st.sampled_from(["de", "en"])),
        topics=tuple(draw(st.lists(st.sampled_from(["vertrieb", "crm", "sales", "ai"]), max_size=3, unique=True))),
        birthday=birthday,
        started_on=started,
        created_at=now - timedelta(days=draw(st.integers(0, 1000))),
        last_touch_at=last_touch,
        degree=draw(st.integers(0, 10)),
    )
    events = [
        PlanEvent(n + 1, contact.id, draw(st.sampled_from(KINDS)), (now + timedelta(days=draw(st.integers(-30, 20)))).date(),
                  now - timedelta(hours=draw(st.integers(-48, 24 * 20))), {})
        for n in range(draw(st.integers(0, 3)))
    ]
    start = time(draw(st.integers(6, 10)), draw(st.sampled_from([0, 15, 30, 45])))
    end = time(draw(st.integers(12, 20)), draw(st.sampled_from([0, 30])))
    rules = PlanningRules(
        horizon=timedelta(days=draw(st.integers(1, 30))),
        window_start=start,
        window_end=end,
        weekdays_only=draw(st.booleans()),
        cadence={t: timedelta(days=draw(st.integers(1, 60))) for t in "ABC"},
        max_per_contact=draw(st.integers(1, 4)),
        cap_window=timedelta(days=draw(st.integers(1, 30))),
        enabled=frozenset(draw(st.sets(st.sampled_from(sorted(ALL_OCCASIONS))))),
        reconnect_after=draw(st.one_of(st.none(), st.integers(5, 200).map(lambda n: timedelta(days=n)))),
        content_gap=timedelta(days=14),
        connector_degree=draw(st.integers(0, 8)),
    )
    return contact, events, rules, now


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_every_plan_respects_window_day_cap_keys_and_is_idempotent(
    scenario: tuple[PlanContact, list[PlanEvent], PlanningRules, datetime],
) -> None:
    contact, events, rules, now = scenario
    result = plan_contact(contact, events, [], LIBRARY, {}, now, rules)
    messages = result.messages
    zone = ZoneInfo(contact.timezone)

    keys = [m.key for m in messages]
    assert len(keys) == len(set(keys))
    days = [m.send_at.astimezone(zone).date() for m in messages]
    assert len(days) == len(set(days)), "two messages on one local day"

    for m in messages:
        assert m.send_at.tzinfo is not None and m.send_at.utcoffset() == timedelta(0)
        assert now <= m.send_at <= now + rules.horizon
        local = m.send_at.astimezone(zone)
        assert rules.window_start <= local.time().replace(tzinfo=None) < rules.window_end
        assert m.occasion in rules.enabled
        assert m.key.startswith(f"{contact.id}:{m.occasion}:")
        if m.occasion in ("birthday", "work_anniversary"):
            assert local.date() == m.occasion_date
            assert m.expires_at == end_of_local_day(m.occasion_date, contact.timezone)
        if m.occasion in CADENCE_OCCASIONS and rules.weekdays_only:
            assert is_business_day(local.date(), contact.country)
        if m.occasion == "content_drop":
            chosen = next(i for i in LIBRARY if i.id == m.content_id)
            assert chosen.language == contact.language and chosen.available_on(local.date())
        if m.expires_at is not None:
            assert m.send_at < m.expires_at

    times = sorted(m.send_at for m in messages)
    for start in times:
        assert sum(1 for t in times if start <= t < start + rules.cap_window) <= rules.max_per_contact

    again = plan_contact(contact, events, as_existing(messages), LIBRARY, {}, now, rules)
    assert again.messages == []


@st.composite
def with_history(draw: st.DrawFn) -> tuple[PlanContact, list[PlanEvent], PlanningRules, datetime, list]:  # type: ignore[type-arg]
    contact, events, rules, now = draw(scenarios())
    history = []
    for n in range(draw(st.integers(0, 6))):
        occasion = draw(st.sampled_from(sorted(ALL_OCCASIONS)))
        at = now + timedelta(hours=draw(st.integers(-24 * 40, 24 * 40)))
        status = draw(st.sampled_from(["pending", "review", "approved", "sent", "rejected", "expired", "failed"]))
        content = draw(st.sampled_from([i.id for i in LIBRARY])) if occasion == "content_drop" else None
        history.append(ExistingMessage(contact.id, occasion, at, status, content, f"{contact.id}:old:{n}"))
    return contact, events, rules, now, history


def _window_counts(times: list[datetime], at: datetime, window: timedelta) -> int:
    """The fullest rolling window containing `at`."""
    starts = [t for t in times if at - window < t <= at]
    return max(sum(1 for t in times if s <= t < s + window) for s in starts)


@settings(max_examples=300, deadline=None)
@given(with_history())
def test_plans_respect_stored_messages(
    scenario: tuple[PlanContact, list[PlanEvent], PlanningRules, datetime, list],  # type: ignore[type-arg]
) -> None:
    contact, events, rules, now, history = scenario
    result = plan_contact(contact, events, history, LIBRARY, {}, now, rules)
    zone = ZoneInfo(contact.timezone)
    active = [h for h in history if h.active]
    taken = {h.send_at.astimezone(zone).date() for h in active}
    every = [h.send_at for h in active] + [m.send_at for m in result.messages]
    occasions = [h.send_at for h in active if h.occasion not in CADENCE_OCCASIONS] + [
        m.send_at for m in result.messages if m.occasion not in CADENCE_OCCASIONS
    ]
    used = {h.content_id for h in history if h.content_id}
    for m in result.messages:
        assert m.send_at.astimezone(zone).date() not in taken
        if m.occasion in CADENCE_OCCASIONS:
            assert _window_counts(every, m.send_at, rules.cap_window) <= rules.max_per_contact
        else:
            assert _window_counts(occasions, m.send_at, rules.cap_window) <= rules.max_per_contact
        assert m.content_id is None or m.content_id not in used
    again = plan_contact(contact, events, history + as_existing(result.messages), LIBRARY, {}, now, rules)
    assert again.messages == []
