"""Greetings on the day in the contact's zone, leap years, the date line, and congratulations for events."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from planning_builders import event, local, make_contact, make_rules, only, plan, utc

from nurture.planning.send_time import end_of_local_day

GREET = make_rules(enabled=frozenset({"birthday", "work_anniversary"}))
EVENTS = make_rules(enabled=frozenset({"birthday", "job_change", "promotion", "publication", "achievement"}))


def test_birthday_today_before_the_window_goes_out_at_window_start() -> None:
    now = local("Europe/Berlin", 2026, 5, 17, 7, 0)
    result = plan(make_contact(birthday="1980-05-17"), now, GREET)
    [msg] = result.messages
    assert msg.key == "7:birthday:2026-05-17"
    assert msg.occasion == "birthday" and msg.occasion_date == date(2026, 5, 17)
    assert msg.send_at == utc(2026, 5, 17, 6, 30)  # 08:30 CEST, on a Sunday: greetings ignore weekends
    assert msg.expires_at == utc(2026, 5, 17, 22, 0)  # local midnight
    assert msg.event_id is None and msg.content_id is None


def test_birthday_today_inside_the_window_goes_out_now() -> None:
    now = local("Europe/Berlin", 2026, 5, 17, 10, 7, 30)
    [msg] = plan(make_contact(birthday="1980-05-17"), now, GREET).messages
    assert msg.send_at == local("Europe/Berlin", 2026, 5, 17, 10, 8)


def test_birthday_today_after_the_window_is_not_sent_late() -> None:
    now = local("Europe/Berlin", 2026, 5, 17, 17, 30)
    result = plan(make_contact(birthday="1980-05-17"), now, GREET)
    assert result.messages == []
    assert any("birthday on 2026-05-17" in s and "window has passed" in s for s in result.skipped)


def test_birthday_tomorrow_and_outside_the_horizon() -> None:
    now = local("Europe/Berlin", 2026, 5, 16, 20, 0)
    [msg] = plan(make_contact(birthday="1980-05-17"), now, GREET).messages
    assert msg.send_at == local("Europe/Berlin", 2026, 5, 17, 8, 30)
    assert plan(make_contact(birthday="1980-06-05"), now, GREET).messages == []


@pytest.mark.parametrize("birthday", ["--05-17", date(1904, 5, 17), date(1975, 5, 17), "1975-05-17"])
def test_birthday_forms_including_without_year(birthday: object) -> None:
    now = local("Europe/Berlin", 2026, 5, 10, 12, 0)
    [msg] = plan(make_contact(birthday=birthday), now, GREET).messages
    assert msg.occasion_date == date(2026, 5, 17)


def test_unreadable_birthday_is_ignored() -> None:
    assert plan(make_contact(birthday="someday"), local("Europe/Berlin", 2026, 5, 10, 12, 0), GREET).messages == []


@pytest.mark.parametrize("birthday", ["1996-02-29", "--02-29"])
def test_29_february_greets_on_28_february_in_2027(birthday: str) -> None:
    now = local("Europe/Berlin", 2027, 2, 20, 12, 0)
    [msg] = plan(make_contact(birthday=birthday), now, GREET).messages
    assert msg.occasion_date == date(2027, 2, 28)
    assert msg.key == "7:birthday:2027-02-28"


def test_29_february_greets_on_29_february_in_leap_year_2028() -> None:
    now = local("Europe/Berlin", 2028, 2, 20, 12, 0)
    [msg] = plan(make_contact(birthday="1996-02-29"), now, GREET).messages
    assert msg.occasion_date == date(2028, 2, 29)
    assert msg.send_at == utc(2028, 2, 29, 7, 30)


def test_28_february_birthday_is_not_doubled_in_leap_year() -> None:
    now = local("Europe/Berlin", 2028, 2, 20, 12, 0)
    [msg] = plan(make_contact(birthday="1996-02-28"), now, GREET).messages
    assert msg.occasion_date == date(2028, 2, 28)


def test_birthday_across_the_date_line_planned_from_berlin() -> None:
    now = utc(2026, 6, 1, 13, 0)  # Monday 15:00 in Berlin; already 2 June 01:00 in Auckland; 06:00 in LA
    [nz] = plan(make_contact(timezone="Pacific/Auckland", country="NZ", birthday="--06-02"), now, GREET).messages
    assert nz.occasion_date == date(2026, 6, 2)
    assert nz.send_at == utc(2026, 6, 1, 20, 30)
    assert nz.expires_at == utc(2026, 6, 2, 12, 0)

    [la] = plan(make_contact(timezone="America/Los_Angeles", country="US", birthday="--06-01"), now,
                GREET).messages
    assert la.occasion_date == date(2026, 6, 1)
    assert la.send_at == utc(2026, 6, 1, 15, 30)
    assert la.expires_at == utc(2026, 6, 2, 7, 0)

    # 1 June is already over in Auckland: that greeting is gone, not sent a day late.
    assert plan(make_contact(timezone="Pacific/Auckland", birthday="--06-01"), now, GREET).messages == []


def test_birthday_in_kolkata_half_hour_zone() -> None:
    now = utc(2026, 6, 1, 0, 0)
    [msg] = plan(make_contact(timezone="Asia/Kolkata", country="IN", birthday="--06-01"), now, GREET).messages
    assert msg.send_at == utc(2026, 6, 1, 3, 0)
    assert msg.expires_at == utc(2026, 6, 1, 18, 30)


@pytest.mark.parametrize(
    ("day", "send_at", "expires_at"),
    [
        (date(2026, 3, 29), utc(2026, 3, 29, 6, 30), utc(2026, 3, 29, 22, 0)),
        (date(2026, 10, 25), utc(2026, 10, 25, 7, 30), utc(2026, 10, 25, 23, 0)),
    ],
)
def test_birthday_on_berlin_dst_change_days(day: date, send_at: datetime, expires_at: datetime) -> None:
    now = utc(day.year, day.month, day.day) - timedelta(days=3)
    [msg] = plan(make_contact(birthday=f"--{day:%m-%d}"), now, GREET).messages
    assert (msg.send_at, msg.expires_at) == (send_at, expires_at)


def test_greeting_goes_out_on_a_public_holiday() -> None:
    now = utc(2025, 10, 1, 12, 0)
    [msg] = plan(make_contact(birthday="--10-03"), now, GREET).messages
    assert msg.occasion_date == date(2025, 10, 3)


def test_disabled_birthday_is_never_planned() -> None:
    rules = make_rules(enabled=frozenset({"work_anniversary"}))
    assert plan(make_contact(birthday="--05-17"), local("Europe/Berlin", 2026, 5, 10, 12, 0), rules).messages == []


def test_work_anniversary_on_full_years_only() -> None:
    now = local("Europe/Berlin", 2026, 5, 17, 10, 0)
    [msg] = plan(make_contact(started_on=date(2019, 5, 18)), now, GREET).messages
    assert msg.key == "7:work_anniversary:2026-05-18"
    assert msg.send_at == local("Europe/Berlin", 2026, 5, 18, 8, 30)
    assert msg.expires_at == end_of_local_day(date(2026, 5, 18), "Europe/Berlin")
    # Started this year: no anniversary yet.
    assert plan(make_contact(started_on=date(2026, 5, 18)), now, GREET).messages == []


def test_work_anniversary_event_carries_its_event_id_and_shares_the_key() -> None:
    now = local("Europe/Berlin", 2026, 5, 17, 10, 0)
    ev = event("work_anniversary", utc(2026, 5, 1), event_id=9, on=date(2026, 5, 18))
    [msg] = plan(make_contact(started_on=date(2019, 5, 18)), now, GREET, events=[ev]).messages
    assert msg.key == "7:work_anniversary:2026-05-18"
    assert msg.event_id == 9


def test_birthday_and_anniversary_on_one_day_birthday_wins() -> None:
    now = local("Europe/Berlin", 2026, 5, 17, 10, 0)
    result = plan(make_contact(birthday="--05-18", started_on=date(2019, 5, 18)), now, GREET)
    assert [m.occasion for m in result.messages] == ["birthday"]
    assert any(s.startswith("work_anniversary on 2026-05-18") for s in result.skipped)


@pytest.mark.parametrize("kind", ["job_change", "promotion", "publication", "achievement"])
def test_event_congratulated_at_next_window_slot_after_learning(kind: str) -> None:
    learned = local("Europe/Berlin", 2026, 5, 12, 20, 0)  # Tuesday evening
    ev = event(kind, learned, event_id=4, on=date(2026, 5, 1))
    [msg] = plan(make_contact(), learned, EVENTS, events=[ev]).messages
    assert msg.key == f"7:{kind}:e4"
    assert msg.occasion == kind and msg.event_id == 4 and msg.occasion_date == date(2026, 5, 1)
    assert msg.send_at == local("Europe/Berlin", 2026, 5, 13, 8, 30)
    assert msg.expires_at == learned + timedelta(days=14)


def test_congratulation_may_go_out_on_a_saturday() -> None:
    learned = local("Europe/Berlin", 2026, 5, 15, 20, 0)  # Friday evening
    [msg] = plan(make_contact(), learned, EVENTS, events=[event("promotion", learned)]).messages
    assert msg.send_at == local("Europe/Berlin", 2026, 5, 16, 8, 30)


def test_congratulation_for_an_event_learned_days_ago_goes_out_now() -> None:
    now = local("Europe/Berlin", 2026, 5, 14, 11, 0)
    ev = event("job_change", now - timedelta(days=3))
    [msg] = plan(make_contact(), now, EVENTS, events=[ev]).messages
    assert msg.send_at == now


def test_stale_event_is_not_congratulated() -> None:
    now = local("Europe/Berlin", 2026, 5, 14, 11, 0)
    assert plan(make_contact(), now, EVENTS, events=[event("job_change", now - timedelta(days=20))]).messages == []


def test_disabled_event_kind_is_not_congratulated() -> None:
    now = local("Europe/Berlin", 2026, 5, 14, 11, 0)
    rules = make_rules(enabled=frozenset({"birthday"}))
    assert plan(make_contact(), now, rules, events=[event("job_change", now)]).messages == []


def test_congratulation_moves_off_the_birthday() -> None:
    learned = local("Europe/Berlin", 2026, 5, 16, 20, 0)
    result = plan(make_contact(birthday="--05-17"), learned, EVENTS, events=[event("job_change", learned)])
    by_occasion = {m.occasion: m.send_at for m in result.messages}
    assert by_occasion == {
        "birthday": local("Europe/Berlin", 2026, 5, 17, 8, 30),
        "job_change": local("Europe/Berlin", 2026, 5, 18, 8, 30),
    }


def test_unknown_time_zone_plans_nothing_and_says_why() -> None:
    result = plan(make_contact(timezone="Nowhere/Land", birthday="--05-17"), utc(2026, 5, 10), GREET)
    assert result.messages == []
    assert any("Nowhere/Land" in s for s in result.skipped)


def test_birthday_planned_with_all_occasions_enabled() -> None:
    now = local("Europe/Berlin", 2026, 5, 10, 12, 0)
    result = plan(make_contact(birthday="--05-17"), now, make_rules())
    assert only(result, "birthday")[0].occasion_date == date(2026, 5, 17)
