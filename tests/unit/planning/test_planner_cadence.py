"""Content drops and reconnects: cadence by tier, connectors, business days, DST, and item choice."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from planning_builders import item, local, make_contact, make_rules, only, plan, utc

from nurture.planning.inputs import ExistingMessage
from nurture.planning.next_due import next_content_due

CONTENT = make_rules(enabled=frozenset({"content_drop"}), reconnect_after=None)
LIB = [item("a")]
MONDAY_9 = local("Europe/Berlin", 2026, 5, 18, 9, 0)


def drops(result: object) -> list[tuple[str | None, datetime]]:
    return [(m.content_id, m.send_at) for m in only(result, "content_drop")]  # type: ignore[arg-type]


def test_due_content_drop_goes_out_now_on_a_business_day() -> None:
    contact = make_contact(last_touch_at=utc(2026, 4, 1, 10, 0))  # B: 45 days → due Saturday 16 May
    [msg] = plan(contact, MONDAY_9, CONTENT, library=LIB).messages
    assert msg.key == "7:content_drop:a"
    assert msg.content_id == "a"
    assert msg.occasion_date == date(2026, 5, 18)
    assert msg.send_at == MONDAY_9
    assert msg.expires_at is None


def test_content_drop_waits_for_the_due_day_within_the_horizon() -> None:
    contact = make_contact(last_touch_at=local("Europe/Berlin", 2026, 4, 7, 12, 0))  # due Fri 22 May 12:00
    [msg] = plan(contact, MONDAY_9, CONTENT, library=LIB).messages
    assert msg.send_at == local("Europe/Berlin", 2026, 5, 22, 12, 0)


def test_content_drop_after_the_window_moves_to_the_next_business_day() -> None:
    contact = make_contact(last_touch_at=local("Europe/Berlin", 2026, 4, 7, 18, 0))  # due Fri 22 May 18:00
    [msg] = plan(contact, MONDAY_9, CONTENT, library=LIB).messages
    # Sat, Sun, then Whit Monday (a German public holiday): Tuesday 26 May.
    assert msg.send_at == local("Europe/Berlin", 2026, 5, 26, 8, 30)


def test_recorded_touch_moves_the_next_content_drop() -> None:
    touched = MONDAY_9 - timedelta(days=2)
    contact = make_contact(last_touch_at=touched)
    assert plan(contact, MONDAY_9, CONTENT, library=LIB).messages == []
    assert next_content_due(contact, [], CONTENT, MONDAY_9) == touched + timedelta(days=45)


def test_never_touched_contact_counts_from_when_it_was_added() -> None:
    contact = make_contact(created_at=MONDAY_9 - timedelta(days=10))
    assert plan(contact, MONDAY_9, CONTENT, library=LIB).messages == []
    assert next_content_due(contact, [], CONTENT, MONDAY_9) == MONDAY_9 + timedelta(days=35)


@pytest.mark.parametrize(
    ("tier", "degree", "gap_days"),
    [("A", 0, 21), ("B", 0, 45), ("C", 0, 90), ("C", 4, 90), ("C", 5, 45), ("B", 9, 21), ("A", 9, 21)],
)
def test_cadence_by_tier_and_connectors_one_tier_higher(tier: str, degree: int, gap_days: int) -> None:
    touched = utc(2026, 1, 5, 9, 0)
    contact = make_contact(tier=tier, degree=degree, last_touch_at=touched)
    assert next_content_due(contact, [], CONTENT, touched) == touched + timedelta(days=gap_days)


def test_connector_gets_content_drop_a_plain_contact_does_not() -> None:
    touched = MONDAY_9 - timedelta(days=50)  # C needs 90 days, a C connector 45
    assert plan(make_contact(tier="C", last_touch_at=touched), MONDAY_9, CONTENT, library=LIB).messages == []
    connector = make_contact(tier="C", degree=6, last_touch_at=touched)
    assert len(plan(connector, MONDAY_9, CONTENT, library=LIB).messages) == 1
    no_promotion = make_rules(enabled=frozenset({"content_drop"}), reconnect_after=None, connector_degree=0)
    assert plan(connector, MONDAY_9, no_promotion, library=LIB).messages == []


@pytest.mark.parametrize(
    ("tz", "country", "now", "expected"),
    [
        # Tag der Deutschen Einheit (Friday) → Monday.
        ("Europe/Berlin", "DE", local("Europe/Berlin", 2025, 10, 2, 18, 0), local("Europe/Berlin", 2025, 10, 6, 8, 30)),
        # Christmas: 25 and 26 December, then the weekend.
        ("Europe/Berlin", "DE", local("Europe/Berlin", 2025, 12, 24, 18, 0),
         local("Europe/Berlin", 2025, 12, 29, 8, 30)),
        # Austrian Nationalfeiertag on Monday 26 October 2026; not a holiday in Germany.
        ("Europe/Vienna", "AT", local("Europe/Vienna", 2026, 10, 23, 18, 0),
         local("Europe/Vienna", 2026, 10, 27, 8, 30)),
        ("Europe/Berlin", "DE", local("Europe/Berlin", 2026, 10, 23, 18, 0),
         local("Europe/Berlin", 2026, 10, 26, 8, 30)),
        # Swiss Bundesfeier on Friday 1 August 2025.
        ("Europe/Zurich", "CH", local("Europe/Zurich", 2025, 7, 31, 18, 0), local("Europe/Zurich", 2025, 8, 4, 8, 30)),
        ("Europe/Berlin", "DE", local("Europe/Berlin", 2025, 7, 31, 18, 0), local("Europe/Berlin", 2025, 8, 1, 8, 30)),
        # Unknown country: weekends only.
        ("Europe/Berlin", None, local("Europe/Berlin", 2025, 10, 2, 18, 0), local("Europe/Berlin", 2025, 10, 3, 8, 30)),
    ],
)
def test_content_drops_skip_weekends_and_public_holidays(
    tz: str, country: str | None, now: datetime, expected: datetime
) -> None:
    contact = make_contact(timezone=tz, country=country, last_touch_at=now - timedelta(days=60))
    [msg] = plan(contact, now, CONTENT, library=LIB).messages
    assert msg.send_at == expected


def test_weekends_allowed_when_weekdays_only_is_off() -> None:
    rules = make_rules(enabled=frozenset({"content_drop"}), reconnect_after=None, weekdays_only=False)
    now = local("Europe/Berlin", 2025, 10, 2, 18, 0)
    [msg] = plan(make_contact(last_touch_at=now - timedelta(days=60)), now, rules, library=LIB).messages
    assert msg.send_at == local("Europe/Berlin", 2025, 10, 3, 8, 30)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Friday evening before the spring change: Monday 08:30 CEST.
        (local("Europe/Berlin", 2026, 3, 27, 18, 0), utc(2026, 3, 30, 6, 30)),
        # Friday evening before the autumn change: Monday 08:30 CET.
        (local("Europe/Berlin", 2026, 10, 23, 18, 0), utc(2026, 10, 26, 7, 30)),
    ],
)
def test_content_drop_across_dst_change(now: datetime, expected: datetime) -> None:
    [msg] = plan(make_contact(last_touch_at=now - timedelta(days=60)), now, CONTENT, library=LIB).messages
    assert msg.send_at == expected


def test_content_drop_in_los_angeles_local_window() -> None:
    now = utc(2026, 6, 1, 13, 0)  # Monday 06:00 in Los Angeles
    contact = make_contact(timezone="America/Los_Angeles", country="US", language="en",
                           last_touch_at=now - timedelta(days=60))
    [msg] = plan(contact, now, CONTENT, library=[item("e", language="en")]).messages
    assert msg.send_at == utc(2026, 6, 1, 15, 30)


STALE = make_contact(topics=("vertrieb", "crm"), last_touch_at=MONDAY_9 - timedelta(days=60))


def chosen(library: list, **kw: object) -> str | None:  # type: ignore[type-arg]
    result = plan(kw.pop("contact", STALE), MONDAY_9, CONTENT, library=library, **kw)  # type: ignore[arg-type]
    ids = [m.content_id for m in result.messages]
    assert len(ids) <= 1
    return ids[0] if ids else None


def test_item_language_must_match() -> None:
    assert chosen([item("en1", language="en", topics=("crm",)), item("de1", topics=("crm",))]) == "de1"


def test_item_with_most_topic_overlap_wins_ties_by_library_order() -> None:
    library = [item("one", topics=("vertrieb",)), item("two", topics=("Vertrieb", "CRM")), item("other")]
    assert chosen(library) == "two"
    assert chosen([item("first", topics=("crm",)), item("second", topics=("vertrieb",))]) == "first"


def test_items_without_shared_topics_do_not_fit_but_general_items_do() -> None:
    assert chosen([item("off", topics=("kochen",))]) is None
    assert chosen([item("off", topics=("kochen",)), item("general", topics=())]) == "general"
    assert chosen([item("off", topics=("kochen",))], contact=make_contact(
        topics=(), last_touch_at=MONDAY_9 - timedelta(days=60))) == "off"


def test_expired_items_are_not_offered() -> None:
    assert chosen([item("old", valid_until=date(2026, 5, 17)), item("new")]) == "new"
    assert chosen([item("last_day", valid_until=date(2026, 5, 18))]) == "last_day"


@pytest.mark.parametrize("status", ["sent", "rejected", "expired"])
def test_item_never_offered_twice_to_the_same_contact(status: str) -> None:
    old = ExistingMessage(7, "content_drop", utc(2025, 1, 6, 9, 0), status, "a", "7:content_drop:a")
    assert chosen([item("a"), item("b")], existing=[old]) == "b"


def test_item_sent_to_a_colleague_recently_is_skipped() -> None:
    library = [item("a"), item("b")]
    assert chosen(library, neighbour_items={"a": MONDAY_9 - timedelta(days=3)}) == "b"
    assert chosen(library, neighbour_items={"a": MONDAY_9 + timedelta(days=2)}) == "b"
    assert chosen(library, neighbour_items={"a": MONDAY_9 - timedelta(days=20)}) == "a"


def test_no_item_fits_plans_nothing_and_says_why() -> None:
    result = plan(STALE, MONDAY_9, CONTENT, library=[item("en1", language="en")])
    assert result.messages == []
    assert result.skipped == ["content_drop: no content item fits (language de, topics vertrieb, crm)"]


RECONNECT = make_rules(enabled=frozenset({"reconnect"}), reconnect_after=timedelta(days=180))


def test_reconnect_for_a_long_untouched_contact() -> None:
    contact = make_contact(last_touch_at=MONDAY_9 - timedelta(days=200))
    [msg] = plan(contact, MONDAY_9, RECONNECT).messages
    assert msg.occasion == "reconnect"
    assert msg.key == "7:reconnect:2026-05-18"
    assert msg.send_at == MONDAY_9
    assert plan(make_contact(last_touch_at=MONDAY_9 - timedelta(days=100)), MONDAY_9, RECONNECT).messages == []


def test_reconnect_counts_from_added_when_never_touched() -> None:
    contact = make_contact(created_at=MONDAY_9 - timedelta(days=181))
    assert [m.occasion for m in plan(contact, MONDAY_9, RECONNECT).messages] == ["reconnect"]


def test_reconnect_off() -> None:
    contact = make_contact(last_touch_at=MONDAY_9 - timedelta(days=400))
    assert plan(contact, MONDAY_9, make_rules(enabled=frozenset({"reconnect"}), reconnect_after=None)).messages == []
    assert plan(contact, MONDAY_9, make_rules(enabled=frozenset(), reconnect_after=timedelta(days=1))).messages == []


def test_content_drop_preferred_over_reconnect() -> None:
    rules = make_rules(enabled=frozenset({"content_drop", "reconnect"}), cadence={"B": timedelta(days=150)})
    contact = make_contact(last_touch_at=MONDAY_9 - timedelta(days=200))
    result = plan(contact, MONDAY_9, rules, library=LIB)
    assert [m.occasion for m in result.messages] == ["content_drop"]


def test_reconnect_instead_when_no_content_item_fits() -> None:
    rules = make_rules(enabled=frozenset({"content_drop", "reconnect"}))
    contact = make_contact(last_touch_at=MONDAY_9 - timedelta(days=200))
    result = plan(contact, MONDAY_9, rules, library=[])
    assert [m.occasion for m in result.messages] == ["reconnect"]
    assert any(s.startswith("content_drop: no content item fits") for s in result.skipped)


def test_reconnect_skips_holidays() -> None:
    now = local("Europe/Berlin", 2025, 12, 24, 18, 0)
    [msg] = plan(make_contact(last_touch_at=now - timedelta(days=200)), now, RECONNECT).messages
    assert msg.send_at == local("Europe/Berlin", 2025, 12, 29, 8, 30)


def test_planned_content_drop_moves_the_next_one() -> None:
    planned = ExistingMessage(7, "content_drop", MONDAY_9 + timedelta(days=5), "pending", "a", "7:content_drop:a")
    contact = make_contact(last_touch_at=MONDAY_9 - timedelta(days=60))
    assert plan(contact, MONDAY_9, CONTENT, existing=[planned], library=[item("b")]).messages == []
    assert next_content_due(contact, [planned], CONTENT, MONDAY_9) == planned.send_at + timedelta(days=45)


def test_short_cadence_plans_several_drops_in_the_horizon() -> None:
    rules = make_rules(enabled=frozenset({"content_drop"}), reconnect_after=None,
                       cadence={"B": timedelta(days=4)}, max_per_contact=10)
    contact = make_contact(last_touch_at=MONDAY_9 - timedelta(days=6))
    library = [item(f"i{n}") for n in range(10)]
    result = plan(contact, MONDAY_9, rules, library=library)
    sends = [m.send_at for m in result.messages]
    assert [m.content_id for m in result.messages] == ["i0", "i1", "i2", "i3"]
    assert sends[0] == MONDAY_9
    assert all(b - a >= timedelta(days=4) for a, b in zip(sends, sends[1:], strict=False))
    assert all(s <= MONDAY_9 + timedelta(days=14) for s in sends)


@pytest.mark.parametrize("status", ["failed", "expired"])
def test_undelivered_content_drop_is_followed_by_another_item(status: str) -> None:
    dead = ExistingMessage(7, "content_drop", MONDAY_9 - timedelta(days=3), status, "a", "7:content_drop:a")
    contact = make_contact(last_touch_at=MONDAY_9 - timedelta(days=60))
    [msg] = plan(contact, MONDAY_9, CONTENT, existing=[dead], library=[item("a"), item("b")]).messages
    assert (msg.content_id, msg.send_at) == ("b", MONDAY_9)


# --- a long-overdue backlog is spread over one cadence period ----------------------------------


def test_long_overdue_backlog_drains_evenly_over_one_cadence() -> None:
    """900 C contacts (90 days) last touched 400 days ago: not all on the first business day."""
    contacts = [make_contact(id=i, tier="C", last_touch_at=MONDAY_9 - timedelta(days=400)) for i in range(1, 901)]
    due = [next_content_due(c, [], CONTENT, MONDAY_9) for c in contacts]
    assert all(d is not None and MONDAY_9 - timedelta(days=1) < d <= MONDAY_9 + timedelta(days=90) for d in due)
    per_ten_days = [0] * 9
    for d in due:
        assert d is not None
        per_ten_days[min(8, (d - MONDAY_9 + timedelta(days=1)).days // 10)] += 1
    assert all(60 <= n <= 140 for n in per_ten_days), per_ten_days  # 100 on average
    # ... and over the send window of their day, not all at its start.
    berlin = [d.astimezone(ZoneInfo("Europe/Berlin")).time() for d in due if d is not None]
    assert all(time(8, 30) <= t < time(17, 0) for t in berlin)
    assert sum(t < time(9, 30) for t in berlin) < len(berlin) / 4 and len(set(berlin)) > 300
    planned = [plan(c, MONDAY_9, CONTENT, library=LIB).messages for c in contacts]
    sent_now = [m for ms in planned for m in ms]
    # About 14 of 90 days are inside the horizon; each drop goes on its own day or the next business day.
    assert 90 <= len(sent_now) <= 200, len(sent_now)
    for c, ms, d in zip(contacts, planned, due, strict=True):
        assert d is not None
        if ms:
            [m] = ms
            assert d <= m.send_at <= d + timedelta(days=5), (c.id, d, m.send_at)
        else:
            assert d > MONDAY_9 + timedelta(days=13)


def test_day_of_catching_up_stays_put_from_run_to_run() -> None:
    contact = make_contact(id=4711, tier="C", last_touch_at=MONDAY_9 - timedelta(days=400))
    first = next_content_due(contact, [], CONTENT, MONDAY_9)
    assert first is not None and first > MONDAY_9 + timedelta(days=14)
    day = MONDAY_9
    while day < first:
        assert next_content_due(contact, [], CONTENT, day) == first
        assert plan(contact, day, CONTENT, library=LIB).messages == [] or first <= day + timedelta(days=14)
        day += timedelta(days=1)
    [msg] = plan(contact, first - timedelta(days=3), CONTENT, library=LIB).messages
    assert first <= msg.send_at


def test_overdue_by_less_than_a_cadence_goes_at_once() -> None:
    contact = make_contact(tier="C", last_touch_at=MONDAY_9 - timedelta(days=150))  # 60 days overdue, gap 90
    [msg] = plan(contact, MONDAY_9, CONTENT, library=LIB).messages
    assert msg.send_at == MONDAY_9


def test_a_due_drop_without_a_slot_in_the_horizon_asks_to_be_looked_at_again() -> None:
    friday_evening = local("Europe/Berlin", 2026, 5, 22, 18, 0)
    rules = make_rules(enabled=frozenset({"content_drop"}), reconnect_after=None, horizon=timedelta(days=2))
    contact = make_contact(last_touch_at=friday_evening - timedelta(days=50))  # due, but the weekend follows
    result = plan(contact, friday_evening, rules, library=LIB)
    assert result.messages == [] and result.look_again_at == local("Europe/Berlin", 2026, 5, 26, 8, 30)
    later = plan(contact, friday_evening + timedelta(days=2), rules, library=LIB)  # Whit Monday, then Tuesday
    assert [m.send_at for m in later.messages] == [local("Europe/Berlin", 2026, 5, 26, 8, 30)]
