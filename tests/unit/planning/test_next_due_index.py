"""The indexed columns: month-day numbers and the next content-drop/reconnect due time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from planning_builders import make_contact, make_rules, utc

from nurture.planning.inputs import ExistingMessage
from nurture.planning.next_due import month_day, next_content_due

TOUCH = utc(2026, 3, 2, 9, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(1980, 5, 17), 517),
        (date(1904, 12, 31), 1231),
        ("1980-05-17", 517),
        ("--05-17", 517),
        ("--02-29", 229),
        ("1996-02-29", 229),
        (None, None),
        ("", None),
        ("not a date", None),
    ],
)
def test_month_day(value: object, expected: int | None) -> None:
    assert month_day(value) == expected  # type: ignore[arg-type]


def test_due_is_the_earlier_of_content_drop_and_reconnect() -> None:
    contact = make_contact(tier="C", last_touch_at=TOUCH)
    rules = make_rules(reconnect_after=timedelta(days=60))
    assert next_content_due(contact, [], rules, TOUCH) == TOUCH + timedelta(days=60)
    assert next_content_due(contact, [], make_rules(), TOUCH) == TOUCH + timedelta(days=90)


def test_nothing_ever_due_when_both_are_off() -> None:
    rules = make_rules(enabled=frozenset({"birthday"}), reconnect_after=None)
    assert next_content_due(make_contact(last_touch_at=TOUCH), [], rules, TOUCH) is None
    only_content = make_rules(enabled=frozenset({"content_drop"}), reconnect_after=None, cadence={"A": timedelta(1)})
    assert next_content_due(make_contact(tier="B"), [], only_content, TOUCH) is None


@pytest.mark.parametrize(
    ("occasion", "status", "moves"),
    [
        ("content_drop", "pending", True),
        ("content_drop", "review", True),
        ("content_drop", "sent", True),
        ("content_drop", "rejected", True),  # "not now": asked again only after a cadence
        ("reconnect", "approved", True),
        ("content_drop", "failed", False),
        ("content_drop", "expired", False),
        ("birthday", "pending", False),  # a planned greeting is not a touch yet
        ("birthday", "sent", True),  # a sent one is
    ],
)
def test_which_messages_move_the_cadence(occasion: str, status: str, moves: bool) -> None:
    contact = make_contact(last_touch_at=TOUCH)
    later = TOUCH + timedelta(days=10)
    msg = ExistingMessage(7, occasion, later, status, "a" if occasion == "content_drop" else None, "k")
    expected = (later if moves else TOUCH) + timedelta(days=45)
    assert next_content_due(contact, [msg], make_rules(), TOUCH) == expected


def test_older_messages_do_not_move_it_back() -> None:
    contact = make_contact(last_touch_at=TOUCH)
    old = ExistingMessage(7, "content_drop", TOUCH - timedelta(days=30), "sent", "a", "k")
    assert next_content_due(contact, [old], make_rules(), TOUCH) == TOUCH + timedelta(days=45)
