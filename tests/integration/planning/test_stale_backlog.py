"""A backlog approved weeks late reached contacts as several content drops at once: drops never
expired, so `approve --all-pending` after a quiet month queued two or three per contact, all due
at once. A content drop or reconnect nobody approved within a week of its time now expires (the
greeting rule stays: its day), and the next plan run plans a fresh one."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from nurture.adapters.db.tables import Message, MessageLog
from nurture.planning.inputs import STALE_AFTER

from .test_plan_db import NOW, add, make_app


def drops(app, cid: int) -> list[Message]:
    with app.factory() as session:
        return list(session.scalars(select(Message).where(Message.contact_id == cid,
                                                          Message.occasion == "content_drop").order_by(Message.id)))


def test_an_unapproved_drop_expires_after_a_week_and_a_fresh_one_is_planned(db_url):
    app = make_app(db_url)
    cid = add(app, "quiet@example.de", tier="A")
    app.planner().run(NOW)
    [first] = drops(app, cid)
    assert first.status == "pending" and first.send_at <= NOW + timedelta(days=3)

    # Nobody approves; a month of hourly runs would keep it pending for good. Just inside the week: it stays.
    app.planner().run(first.send_at + STALE_AFTER - timedelta(hours=1))
    assert drops(app, cid)[0].status == "pending"
    late = first.send_at + STALE_AFTER + timedelta(hours=1)
    summary = app.planner().run(late)
    assert summary.expired == 1
    old, *fresh = drops(app, cid)
    assert old.id == first.id and old.status == "expired"
    assert len(fresh) == 1 and fresh[0].send_at >= late and fresh[0].status in ("planned", "pending")
    with app.factory() as session:
        note = session.scalars(select(MessageLog.note).where(MessageLog.message_id == first.id,
                                                             MessageLog.to_status == "expired")).one()  # fmt: skip
    assert "not approved within 7 days" in note


def test_approving_everything_after_a_quiet_month_sends_one_drop_per_contact(db_url):
    app = make_app(db_url)
    people = [add(app, f"p{i}@example.de", tier="A") for i in range(5)]
    for day in range(0, 60, 1):  # the daemon plans every day; nobody approves for two months
        app.planner().run(NOW + timedelta(days=day))
    later = NOW + timedelta(days=60)
    app.planner().run(later)
    open_drops = Counter()
    with app.factory() as session:
        for cid, status in session.execute(select(Message.contact_id, Message.status)
                                           .where(Message.contact_id.in_(people), Message.occasion == "content_drop")):
            if status in ("pending", "review", "planned"):
                open_drops[cid] += 1
    assert open_drops and max(open_drops.values()) == 1, open_drops


def test_coverage_counts_no_dead_message_as_planned(db_url):
    """Weeks without approvals: missed birthdays and old drops were counted as 'planned' and hid the neglect."""
    from nurture.usecases.reports import coverage

    app = make_app(db_url)
    cid = add(app, "quiet@example.de", tier="A")
    app.planner().run(NOW)
    [first] = drops(app, cid)
    later = first.send_at + STALE_AFTER + timedelta(days=1)  # no plan or send run since: nothing marked expired
    with app.factory() as session:
        [row] = [r for r in coverage(session, later, app.rules.cadence) if r.contact_id == cid]
        assert session.get(Message, first.id).status == "pending"
    assert row.planned == 0 and row.neglected, row
