"""Caps and the one-message-a-day rule, greetings winning over content, and idempotent re-planning."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from planning_builders import as_existing, event, item, local, make_contact, make_rules, only, plan, utc

from nurture.planning.caps import fits_cap
from nurture.planning.inputs import ExistingMessage

MONDAY_9 = local("Europe/Berlin", 2026, 5, 18, 9, 0)
STALE = make_contact(last_touch_at=MONDAY_9 - timedelta(days=60))
LIB = [item("a"), item("b"), item("c")]


@pytest.mark.parametrize(
    ("times", "at", "limit", "fits"),
    [
        ([], 0, 1, True),
        ([0], 10, 1, True),  # exactly one window apart
        ([0], 9, 1, False),
        ([5], 0, 1, False),  # a later message counts too
        ([0, 20], 10, 2, True),  # [0, 10) ends before 10, [10, 20) ends before 20
        ([0, 5], 8, 2, False),
        ([0, 25], 12, 2, True),
        ([0, 1], 30, 2, True),
        ([0, 1, 2], 5, 0, True),  # cap off
    ],
)
def test_fits_cap_rolling_window(times: list[int], at: int, limit: int, fits: bool) -> None:
    base = utc(2026, 1, 1)
    window = timedelta(days=10)
    day = timedelta(days=1)
    assert fits_cap([base + t * day for t in times], base + at * day, window, limit) is fits


def test_greeting_wins_over_content_in_the_same_run() -> None:
    rules = make_rules(enabled=frozenset({"birthday", "content_drop"}), max_per_contact=1)
    contact = make_contact(birthday="--05-21", last_touch_at=MONDAY_9 - timedelta(days=60))
    result = plan(contact, MONDAY_9, rules, library=LIB)
    assert [m.occasion for m in result.messages] == ["birthday"]
    assert any(s.startswith("content_drop: no free day") for s in result.skipped)


def test_greeting_wins_over_an_already_planned_content_drop() -> None:
    rules = make_rules(enabled=frozenset({"birthday", "content_drop"}), max_per_contact=1)
    drop = ExistingMessage(7, "content_drop", MONDAY_9 + timedelta(days=1), "pending", "a", "7:content_drop:a")
    contact = make_contact(birthday="--05-21", last_touch_at=MONDAY_9 - timedelta(days=60))
    result = plan(contact, MONDAY_9, rules, existing=[drop], library=LIB)
    assert [m.key for m in result.messages] == ["7:birthday:2026-05-21"]


def test_greetings_are_capped_by_each_other() -> None:
    rules = make_rules(enabled=frozenset({"birthday"}), max_per_contact=1)
    congrats = ExistingMessage(7, "job_change", MONDAY_9 - timedelta(days=5), "sent", None, "7:job_change:e1")
    result = plan(make_contact(birthday="--05-21"), MONDAY_9, rules, existing=[congrats])
    assert result.messages == []
    assert result.skipped == ["birthday on 2026-05-21: cap of 1 messages per 30 days reached"]


def test_content_drop_hitting_the_cap_moves_to_the_next_free_slot() -> None:
    rules = make_rules(enabled=frozenset({"content_drop"}), reconnect_after=None, max_per_contact=2,
                       cap_window=timedelta(days=7))
    existing = [
        ExistingMessage(7, "birthday", local("Europe/Berlin", 2026, 5, 19, 8, 30), "approved", None,
                        "7:birthday:2026-05-19"),
        ExistingMessage(7, "job_change", local("Europe/Berlin", 2026, 5, 20, 8, 30), "pending", None,
                        "7:job_change:e3"),
    ]
    [msg] = plan(STALE, MONDAY_9, rules, existing=existing, library=LIB).messages
    # Until 26 May every 7-day window around a day would hold three; 23-25 May are weekend and Whit Monday.
    assert msg.send_at == local("Europe/Berlin", 2026, 5, 26, 8, 30)


@pytest.mark.parametrize("status", ["rejected", "expired", "failed"])
def test_dead_messages_neither_take_a_day_nor_count(status: str) -> None:
    rules = make_rules(enabled=frozenset({"content_drop"}), reconnect_after=None, max_per_contact=1)
    other = ExistingMessage(7, "birthday", MONDAY_9 + timedelta(minutes=30), status, None, "7:birthday:2026-05-18")
    [msg] = plan(STALE, MONDAY_9, rules, existing=[other], library=LIB).messages
    assert msg.send_at == MONDAY_9


def test_never_two_messages_on_one_local_day() -> None:
    rules = make_rules(enabled=frozenset({"birthday", "content_drop"}), max_per_contact=5)
    contact = make_contact(birthday="--05-18", last_touch_at=MONDAY_9 - timedelta(days=60))
    result = plan(contact, MONDAY_9, rules, library=LIB)
    assert only(result, "birthday")[0].send_at == MONDAY_9
    assert only(result, "content_drop")[0].send_at == local("Europe/Berlin", 2026, 5, 19, 8, 30)


def test_same_day_rule_uses_the_contacts_local_day() -> None:
    # 23:30 UTC on 18 May is already 19 May in Berlin, so the 18th is still free there.
    rules = make_rules(enabled=frozenset({"content_drop"}), reconnect_after=None, max_per_contact=5)
    other = ExistingMessage(7, "job_change", utc(2026, 5, 18, 23, 30), "approved", None, "7:job_change:e1")
    [msg] = plan(STALE, MONDAY_9, rules, existing=[other], library=LIB).messages
    assert msg.send_at == MONDAY_9
    la = make_contact(timezone="America/Los_Angeles", country="US", last_touch_at=MONDAY_9 - timedelta(days=60))
    [msg] = plan(la, MONDAY_9, rules, existing=[other], library=LIB).messages
    # In Los Angeles the existing message is on 18 May, so the drop goes on Tuesday 19 May.
    assert msg.send_at == local("America/Los_Angeles", 2026, 5, 19, 8, 30)


def test_greeting_on_a_day_already_taken_is_skipped_with_a_reason() -> None:
    rules = make_rules(enabled=frozenset({"birthday"}))
    taken = ExistingMessage(7, "content_drop", local("Europe/Berlin", 2026, 5, 21, 10, 0), "approved", "a",
                            "7:content_drop:a")
    result = plan(make_contact(birthday="--05-21"), MONDAY_9, rules, existing=[taken])
    assert result.messages == []
    assert result.skipped == ["birthday on 2026-05-21: another message is planned that day"]


def busy_contact() -> tuple[object, list, datetime]:  # type: ignore[type-arg]
    contact = make_contact(tier="A", birthday="--05-20", started_on=date(2015, 5, 27),
                           last_touch_at=MONDAY_9 - timedelta(days=30))
    events = [event("job_change", MONDAY_9 - timedelta(days=1), 1), event("publication", MONDAY_9, 2)]
    return contact, events, MONDAY_9


@pytest.mark.parametrize("status", ["pending", "approved", "sent", "rejected", "expired"])
def test_planning_again_adds_nothing(status: str) -> None:
    contact, events, now = busy_contact()
    rules = make_rules(max_per_contact=5)
    first = plan(contact, now, rules, events=events, library=LIB)  # type: ignore[arg-type]
    assert {m.occasion for m in first.messages} == {
        "birthday", "work_anniversary", "job_change", "publication", "content_drop"
    }
    # Only messages with an expiry can expire; the content drop then counts as sent.
    existing = as_existing([m for m in first.messages if m.expires_at], status) + as_existing(
        [m for m in first.messages if not m.expires_at], "sent" if status == "expired" else status
    )
    again = plan(contact, now, rules, events=events, existing=existing, library=LIB)  # type: ignore[arg-type]
    assert again.messages == []
    later = plan(contact, now + timedelta(hours=5), rules, events=events, existing=existing,  # type: ignore[arg-type]
                 library=LIB)
    assert later.messages == []


def test_keys_are_unique_and_follow_the_contract() -> None:
    contact, events, now = busy_contact()
    result = plan(contact, now, make_rules(max_per_contact=5), events=events, library=LIB)  # type: ignore[arg-type]
    keys = sorted(m.key for m in result.messages)
    assert keys == [
        "7:birthday:2026-05-20",
        "7:content_drop:a",
        "7:job_change:e1",
        "7:publication:e2",
        "7:work_anniversary:2026-05-27",
    ]


def test_a_drop_due_just_after_the_horizon_is_no_cap_problem() -> None:
    """Due on the horizon's last day but after its end hour: the skip note blamed the cap (reached by nobody)."""
    rules = make_rules(enabled=frozenset({"content_drop"}), reconnect_after=None)
    now = local("Europe/Berlin", 2026, 11, 27, 7, 0)  # a Friday, before the 08:30 window
    due = make_contact(tier="A", last_touch_at=now + rules.horizon - timedelta(days=21))
    result = plan(due, now, rules, library=LIB)
    assert result.messages == [] and result.skipped == [], result.skipped
    assert result.look_again_at == local("Europe/Berlin", 2026, 12, 11, 8, 30)
    # A real cap still says so.
    busy = [ExistingMessage(7, "birthday", now + timedelta(days=d), "pending", None, f"7:birthday:{d}")
            for d in (1, 3)]  # fmt: skip
    capped = plan(make_contact(tier="A", last_touch_at=now - timedelta(days=30)), now, rules, existing=busy,
                  library=LIB)  # fmt: skip
    assert not only(capped, "content_drop")  # every day of the horizon is within 30 days of both
    assert any("cap of 2 messages per 30 days reached" in s for s in capped.skipped), capped.skipped
