"""Plan marks: an hourly re-plan looks only at what is new, and plans what a full sweep would plan."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import delete, insert, select

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.graph_store import GraphStore
from nurture.adapters.db.tables import Event, Message, PlanMark

from .test_plan_db import NOW, add, make_app


def keys(app) -> dict[str, str]:
    with app.factory() as session:
        return {k: at.isoformat() for k, at in session.execute(select(Message.key, Message.send_at))}


def populate(app, n: int, seed: int) -> None:
    rng = random.Random(seed)
    zones = [("DE", "Europe/Berlin"), ("NZ", "Pacific/Auckland"), ("US", "America/Los_Angeles"),
             ("CH", "Europe/Zurich")]  # fmt: skip
    for i in range(n):
        country, tz = rng.choice(zones)
        # Birthdays and anniversaries crowd the days around the horizon's end and the day after it.
        near = NOW.date() + timedelta(days=rng.randrange(12, 18))
        cid = add(app, f"p{i}@example.de", country=country, timezone=tz, tier=rng.choice("ABC"),
                  birthday=f"19{rng.randrange(50, 99)}-{near:%m-%d}" if rng.random() < 0.6 else None,
                  started_on=date(2015, near.month, near.day) if rng.random() < 0.4 else None)  # fmt: skip
        with app.factory() as session, session.begin():
            row = ContactStore(session).row(cid)
            row.last_touch_at = NOW - timedelta(days=rng.randrange(200), hours=rng.randrange(24))
            if rng.random() < 0.2:
                learned = NOW - timedelta(days=rng.randrange(20))
                session.execute(insert(Event), [dict(contact_id=cid, kind=rng.choice(["promotion", "publication"]),
                                                     date=learned.date(), details={}, source="t",
                                                     learned_at=learned)])  # fmt: skip


GREETINGS = ("birthday", "work_anniversary")


def greetings(app) -> dict[str, str]:
    return {k: v for k, v in keys(app).items() if k.split(":")[1] in GREETINGS}


def test_hourly_re_plans_plan_exactly_what_full_sweeps_plan(db_url, tmp_path):
    marked = make_app(db_url)
    swept = make_app(f"sqlite:///{tmp_path / 'swept.db'}")
    for app in (marked, swept):
        populate(app, 120, seed=5)
    checked_marked, checked_swept = [], []
    for hour in range(0, 30):
        now = NOW + timedelta(hours=hour)
        checked_marked.append(marked.planner().run(now).contacts)
        # Forgetting the marks makes every run a sweep.
        with swept.factory() as session, session.begin():
            session.execute(delete(PlanMark))
        checked_swept.append(swept.planner().run(now).contacts)
        # Greetings belong to their day: an hourly run must never plan one later than a sweep would.
        assert greetings(marked) == greetings(swept), f"hour {hour}"
    # The runs after the first of each day are incremental and look at fewer contacts (here, where
    # birthdays crowd the horizon's end, still many; bench/plan.py shows it for a real spread).
    assert checked_marked[0] == checked_swept[0]
    assert all(m < s for m, s in zip(checked_marked[1:24], checked_swept[1:24], strict=True))
    # After the daily sweep (hour 24) everything, content drops included, is the same.
    assert keys(marked) == keys(swept)


def test_an_edited_contact_is_looked_at_by_the_next_hourly_run(db_url):
    app = make_app(db_url)
    quiet = add(app, "quiet@example.de")
    app.planner().run(NOW)
    soon = (NOW + timedelta(days=3)).date()
    with app.factory() as session, session.begin():
        store = ContactStore(session)
        store.update(store.row(quiet), {"birthday": f"1980-{soon:%m-%d}"}, NOW, "t")
    summary = app.planner().run(NOW + timedelta(hours=1))
    assert summary.sweep is False
    assert summary.contacts == 1
    assert f"{quiet}:birthday:{soon.isoformat()}" in keys(app)


def test_a_new_event_and_a_new_link_are_planned_by_the_next_hourly_run(db_url):
    app = make_app(db_url)
    a = add(app, "a@example.de")
    b = add(app, "b@example.de")
    app.planner().run(NOW)
    with app.factory() as session, session.begin():
        session.add(Event(contact_id=a, kind="promotion", date=NOW.date(), details={}, source="t",
                          learned_at=NOW + timedelta(minutes=30)))  # fmt: skip
    summary = app.planner().run(NOW + timedelta(hours=1))
    assert (summary.sweep, summary.contacts) == (False, 1)
    assert any(k.startswith(f"{a}:promotion") for k in keys(app))
    with app.factory() as session, session.begin():
        GraphStore(session).link(a, b, "knows", NOW)
    summary = app.planner().run(NOW + timedelta(hours=2))
    assert (summary.sweep, summary.contacts) == (False, 2)


def test_a_day_later_or_with_other_rules_a_run_sweeps_again(db_url):
    app = make_app(db_url)
    add(app, "a@example.de")
    assert app.planner().run(NOW).sweep is True
    assert app.planner().run(NOW + timedelta(hours=23)).sweep is False
    assert app.planner().run(NOW + timedelta(hours=24)).sweep is True
    assert app.planner(horizon=timedelta(days=30)).run(NOW + timedelta(hours=25)).sweep is True
    # A run "in the past" (a clock set back) never trusts a newer mark.
    assert app.planner().run(NOW).sweep is True


def test_a_long_overdue_contact_is_planned_once_its_day_of_catching_up_enters_the_horizon(db_url):
    from nurture.adapters.db.tables import Contact

    app = make_app(db_url)
    ids = [add(app, f"late{i}@example.de", tier="C") for i in range(40)]
    with app.factory() as session, session.begin():
        for cid in ids:
            ContactStore(session).row(cid).last_touch_at = NOW - timedelta(days=400)
    app.planner().run(NOW)
    with app.factory() as session:
        due = dict(session.execute(select(Contact.id, Contact.next_due_at).where(Contact.id.in_(ids))).all())
    planned = {int(k.split(":")[0]) for k in keys(app) if ":content_drop:" in k}
    waiting = [cid for cid in ids if cid not in planned]
    assert planned and waiting  # some now, the others on their own days within the 90-day cadence
    # Their days of catching up lie ahead (past the horizon, or inside it on a day without a free slot).
    assert all(NOW < due[cid] <= NOW + timedelta(days=90) for cid in waiting), due
    assert sum(due[cid] > NOW + timedelta(days=14) for cid in waiting) > len(ids) / 2
    # Hourly runs (incremental) each day: every waiting contact is planned on the run whose horizon reaches its day.
    hour = 0
    while hour < 24 * 80:
        hour += 6
        app.planner().run(NOW + timedelta(hours=hour))
        now_planned = {int(k.split(":")[0]) for k in keys(app) if ":content_drop:" in k}
        for cid in waiting:
            end = NOW + timedelta(hours=hour) + timedelta(days=14)
            if due[cid] + timedelta(days=6) <= end:  # its day (or the next business day) is inside this horizon
                assert cid in now_planned, (cid, due[cid], hour)
    assert set(waiting) <= now_planned
