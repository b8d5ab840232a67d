"""Odd inputs to the pure planning rules: a time zone that is a folder, an anniversary recorded long ahead."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from planning_builders import as_existing, event, local, make_contact, make_rules, plan, utc

from nurture.planning.next_due import next_event_greeting
from nurture.planning.send_time import UnknownTimeZone, zone


@pytest.mark.parametrize("name", ["Europe", "America", "a" * 300, "Europe/Berlin\x00"])
def test_a_time_zone_that_is_no_zone_file_is_unknown(name: str) -> None:
    """A folder or an overlong name raised OSError, which nothing caught."""
    with pytest.raises(UnknownTimeZone):
        zone(name)
    result = plan(make_contact(timezone=name), utc(2026, 5, 18, 7, 0))
    assert result.messages == [] and result.skipped[0].startswith("unknown time zone")


def test_an_anniversary_beyond_the_horizon_says_when_it_enters_it() -> None:
    now = local("Europe/Berlin", 2026, 5, 18, 9, 0)
    ahead = event("work_anniversary", now, event_id=3, on=date(2026, 7, 20))
    near = event("work_anniversary", now, event_id=4, on=date(2026, 5, 25))
    other = event("promotion", now, event_id=5, on=date(2026, 9, 1))
    rules = make_rules()
    contact = make_contact()
    assert next_event_greeting(contact, [other, ahead, near], rules, now) == local(
        "Europe/Berlin", 2026, 7, 20, 8, 30
    )
    # The one inside the horizon is planned by this run; nothing further: nothing to wait for.
    assert next_event_greeting(contact, [near, other], rules, now) is None
    assert next_event_greeting(contact, [ahead], make_rules(enabled=frozenset({"birthday"})), now) is None
    assert next_event_greeting(make_contact(timezone="Mars/Olympus"), [ahead], rules, now) is None
    # Once that instant is inside the horizon, the greeting is planned on its day.
    later = local("Europe/Berlin", 2026, 7, 20, 8, 30) - rules.horizon
    [msg] = plan(contact, later, make_rules(enabled=frozenset({"work_anniversary"})), events=[ahead]).messages
    assert msg.send_at == local("Europe/Berlin", 2026, 7, 20, 8, 30) and msg.event_id == 3


def test_the_same_news_recorded_twice_is_congratulated_once() -> None:
    """An import saw the new company, the next the new position, and both were congratulated a day apart."""
    now = local("Europe/Berlin", 2026, 5, 18, 9, 0)
    twice = [event("job_change", now - timedelta(hours=2), 1), event("job_change", now - timedelta(hours=1), 2),
             event("promotion", now, 3)]  # fmt: skip
    contact = make_contact(last_touch_at=now)
    first = plan(contact, now, events=twice)
    assert [m.key for m in first.messages] == ["7:job_change:e1", "7:promotion:e3"]
    assert "job_change (event 2): already congratulated on one" in first.skipped
    # Later runs keep it so, also once the first was sent, or rejected by the approver.
    for status in ("sent", "rejected"):
        again = plan(
            contact, now + timedelta(days=2), events=twice, existing=as_existing(first.messages, status)
        )
        assert again.messages == []
    # News of the same kind weeks later is news again.
    late = event("job_change", now + timedelta(days=20), 4)
    [msg] = plan(contact, now + timedelta(days=20), events=[*twice, late],
                 existing=as_existing(first.messages, "sent")).messages  # fmt: skip
    assert msg.key == "7:job_change:e4"
