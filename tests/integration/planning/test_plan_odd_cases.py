"""Odd but real situations, planned against a real database: colleagues due together, occasions
recorded long ahead, a broken time zone, and the reports about them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.tables import Event, Message
from nurture.usecases.reports import coverage, plan_report

from .test_plan_db import NOW, add, make_app


def planned(app, contact_id: int) -> list[tuple[str, str, str | None]]:
    with app.factory() as session:
        rows = session.execute(
            select(Message.occasion, Message.send_at, Message.content_id)
            .where(Message.contact_id == contact_id)
            .order_by(Message.send_at)
        )
        return [(occasion, at.isoformat(), item) for occasion, at, item in rows]


def test_colleagues_due_in_one_run_never_get_the_same_item_together(db_url):
    """Colleagues decided in one batch all took the best item: six identical mails at one company."""
    app = make_app(db_url)
    colleagues = [add(app, f"c{i}@acme.de", company="Acme GmbH") for i in range(6)]
    stranger = add(app, "solo@other.de", company="Other AG")
    app.planner().run(NOW)
    with app.factory() as session:
        drops = session.execute(
            select(Message.contact_id, Message.content_id, Message.send_at).where(
                Message.occasion == "content_drop"
            )
        ).all()
    sent = {cid: (item, at) for cid, item, at in drops}
    items = [sent[c][0] for c in colleagues if c in sent]
    assert len(items) >= 2
    assert len(items) == len(set(items)), items
    # Someone elsewhere still gets the best item.
    assert sent[stranger][0] == sent[colleagues[0]][0]
    # Planning again (another batch, another run) adds no twin either.
    app.planner().run(NOW + timedelta(days=1))
    with app.factory() as session:
        again = session.execute(
            select(Message.content_id, Message.send_at)
            .where(Message.contact_id.in_(colleagues), Message.occasion == "content_drop")
        ).all()  # fmt: skip
    for item, at in again:
        close = [a for i, a in again if i == item and abs(a - at) < app.rules.content_gap]
        assert len(close) == 1, (item, at)


def test_a_work_anniversary_recorded_months_ahead_is_greeted_on_its_day(db_url):
    """An anniversary event was read only while it was new (30 days): one recorded 60 days ahead was lost."""
    app = make_app(db_url)
    cid = add(app, "anni@example.de", tier="C")
    with app.factory() as session, session.begin():
        ContactStore(session).row(cid).last_touch_at = NOW - timedelta(days=1)  # no content drop for 89 days
        session.add(Event(contact_id=cid, kind="work_anniversary", date=date(2027, 1, 22), details={"years": "10"},
                          source="cli", learned_at=NOW))  # fmt: skip
    app.planner().run(NOW)
    assert planned(app, cid) == []
    # Hourly runs between the daily sweeps look only at contacts due since the last mark.
    day = NOW + timedelta(days=45)
    for hour in range(0, 26):
        app.planner().run(day + timedelta(hours=hour))
    assert planned(app, cid) == [("work_anniversary", "2027-01-22T07:30:00+00:00", None)]


def test_a_time_zone_that_is_a_folder_skips_the_contact_not_the_run(db_url):
    """`Europe` names a folder of zones: it raised IsADirectoryError and stopped the whole run."""
    app = make_app(db_url)
    broken = add(app, "broken@example.de")
    fine = add(app, "fine@example.de")
    with app.factory() as session, session.begin():
        ContactStore(session).row(broken).timezone = "Europe"
    summary = app.planner().run(NOW)
    assert planned(app, broken) == []
    assert [o for o, _at, _item in planned(app, fine)] == ["content_drop"]
    assert f"contact {broken}: unknown time zone 'Europe': nothing planned" in summary.skipped


def test_coverage_names_no_work_anniversary_before_the_first_full_year(db_url):
    """Someone starting next week had "work_anniversary on <start day>" as the next occasion."""
    app = make_app(db_url)
    new_hire = add(app, "new@example.de", started_on=date(2026, 12, 1), topics="astronomy", language="en")
    veteran = add(app, "old@example.de", started_on=date(2016, 12, 1), topics="astronomy", language="en")
    leap = add(app, "leap@example.de", started_on=date(2024, 2, 29), topics="astronomy", language="en")
    with app.factory() as session:
        rows = {r.contact_id: r for r in coverage(session, NOW, app.rules.cadence)}
    assert rows[new_hire].next_occasion == "work_anniversary on 2027-12-01"
    assert rows[veteran].next_occasion == "work_anniversary on 2026-12-01"
    assert rows[leap].next_occasion == "work_anniversary on 2027-02-28"


def test_the_contact_plan_leaves_out_touches_that_can_never_go_out(db_url):
    """A bounced contact, or one without a legal basis any more, kept its planned touches in `report plan`."""
    app = make_app(db_url)
    bounced = add(app, "bounced@example.de")
    withdrawn = add(app, "withdrawn@example.de")
    kept = add(app, "kept@example.de")
    app.planner().run(NOW)
    with app.factory() as session, session.begin():
        ContactStore(session).mark_bounced(bounced, NOW, "550 no such user")
        ContactStore(session).update(ContactStore(session).row(withdrawn), {"consent": "none"}, NOW, "t")
    with app.factory() as session:
        report = plan_report(session, NOW, 3)
    assert [entry["contact_id"] for entry in report] == [kept]
    assert [t["occasion"] for t in report[0]["touches"]] == ["content_drop"]


def test_a_content_drop_whose_item_left_the_library_is_held_back_not_sent_empty(db_url):
    """The item was taken out of the library after planning: the drop was written as an empty 'hello' mail."""
    app = make_app(db_url)
    cid = add(app, "drop@example.de")
    with app.factory() as session, session.begin():
        ContactStore(session).row(cid).last_touch_at = NOW - timedelta(days=11)  # due in about ten days
    app.planner().run(NOW)
    with app.factory() as session:
        drop = session.scalars(select(Message).where(Message.contact_id == cid)).one()
    assert drop.occasion == "content_drop" and drop.status == "planned" and drop.content_id

    later = make_app(db_url)  # the marketer removed the item from the library meanwhile
    later._library = [item for item in app.library if item.id != drop.content_id]
    when = drop.send_at - timedelta(days=1)
    first = later.planner().run(when)
    # Taken back instead of written (or blocked, and a whole cadence of silence after a rejection):
    # the library changed, so what was not written yet is decided again.
    assert first.redecided == 1
    # This run or the next gives the contact another item, about when the first one was due.
    later.planner().run(when + timedelta(hours=1))
    with later.factory() as session:
        [again] = session.scalars(select(Message).where(Message.contact_id == cid, Message.occasion == "content_drop"))
    assert again.content_id and again.content_id != drop.content_id
    assert abs(again.send_at - drop.send_at) <= timedelta(days=3), (again.send_at, drop.send_at)


def test_an_expired_item_is_not_shared_by_a_drop_planned_before_it_expired(db_url):
    """valid_until moved before the drop's day after planning: the expired item was mailed all the same."""
    from dataclasses import replace

    app = make_app(db_url)
    cid = add(app, "drop@example.de")
    with app.factory() as session, session.begin():
        ContactStore(session).row(cid).last_touch_at = NOW - timedelta(days=11)
    app.planner().run(NOW)
    with app.factory() as session:
        drop = session.scalars(select(Message).where(Message.contact_id == cid)).one()
    later = make_app(db_url)
    later._library = [replace(i, valid_until=NOW.date()) if i.id == drop.content_id else i for i in app.library]
    assert later.planner().run(drop.send_at - timedelta(days=1)).redecided == 1
    later.planner().run(drop.send_at - timedelta(days=1, hours=-1))
    with later.factory() as session:
        [again] = session.scalars(select(Message).where(Message.contact_id == cid))
    assert again.content_id != drop.content_id
    assert again.status == "pending"  # written: its day is within compose_ahead
    # Its item expires while it waits in the queue: the next plan run holds it back with the reason.
    expired = make_app(db_url)
    expired._library = [replace(i, valid_until=NOW.date()) if i.id == again.content_id else i for i in later.library]
    at = drop.send_at - timedelta(hours=20)
    assert expired.planner().run(at).held_back == 1
    with expired.factory() as session:
        held = session.get(Message, again.id)
    assert held.status == "blocked" and "valid_until" in held.reason, (held.status, held.reason)
    # valid_until extended again: the next run frees it.
    assert later.planner().run(at + timedelta(hours=1)).unblocked == {"pending": 1}


def drops(app, contact_id: int) -> list[tuple[str, str, str | None]]:
    with app.factory() as session:
        rows = session.execute(select(Message.status, Message.send_at, Message.content_id)
                               .where(Message.contact_id == contact_id, Message.occasion == "content_drop")
                               .order_by(Message.id))  # fmt: skip
        return [(status, at, item) for status, at, item in rows]


def test_a_touch_takes_back_the_content_drop_planned_from_the_older_one(db_url):
    """A drop planned for next week went out days after a phone call logged today: the touch moved nothing."""
    from nurture.usecases.touches import record_touch

    app = make_app(db_url)
    later = add(app, "later@example.de")  # its drop is planned, words not written yet
    soon = add(app, "soon@example.de")  # its drop is written and waits in the queue
    decided = add(app, "decided@example.de")  # its drop is approved: a person decided, it stays
    with app.factory() as session, session.begin():
        ContactStore(session).row(later).last_touch_at = NOW - timedelta(days=11)
        ContactStore(session).row(soon).last_touch_at = NOW - timedelta(days=20)
        ContactStore(session).row(decided).last_touch_at = NOW - timedelta(days=20)
    app.planner().run(NOW)
    [(status, planned_at, item)] = drops(app, later)
    assert status == "planned" and planned_at.replace(tzinfo=None) > (NOW + timedelta(days=5)).replace(tzinfo=None)
    assert [s for s, _, _ in drops(app, soon)] == ["pending"]
    with app.factory() as session:
        to_approve = session.scalars(select(Message.id).where(Message.contact_id == decided,
                                                              Message.status == "pending")).one()  # fmt: skip
    [ok] = app.desk().approve([to_approve], "jana")
    assert ok.ok, ok.text

    call = NOW + timedelta(hours=2)
    assert record_touch(app.factory, "later@example.de", call, "phone call") == (later, 1)
    assert record_touch(app.factory, "soon@example.de", call, "met at the fair") == (soon, 1)
    assert record_touch(app.factory, "decided@example.de", call, "phone call") == (decided, 0)
    assert drops(app, later) == [] and drops(app, soon) == []
    assert [s for s, _, _ in drops(app, decided)] == ["approved"]
    # An older touch recorded afterwards moves nothing and takes nothing back.
    app.planner().run(call + timedelta(hours=1))
    assert record_touch(app.factory, "later@example.de", NOW - timedelta(days=3), "old note") == (later, 0)

    # The next drops are planned from the call, a whole gap (21 days for tier A) after it.
    for days in range(1, 30):
        app.planner().run(call + timedelta(days=days))
    for cid in (later, soon):
        first = min(at for _, at, _ in drops(app, cid))
        assert first.replace(tzinfo=None) >= (call + timedelta(days=21)).replace(tzinfo=None), first
    assert drops(app, later)[0][2] == item  # the item taken back is free to come again


def test_an_imported_sent_mail_takes_back_the_drop_planned_before_it(db_url, tmp_path):
    import mailbox
    from email.message import EmailMessage

    from nurture.usecases.touches import import_sent_mail

    app = make_app(db_url)
    cid = add(app, "mailed@example.de")
    with app.factory() as session, session.begin():
        ContactStore(session).row(cid).last_touch_at = NOW - timedelta(days=11)
    app.planner().run(NOW)
    assert [s for s, _, _ in drops(app, cid)] == ["planned"]
    box = mailbox.mbox(tmp_path / "sent.mbox")
    msg = EmailMessage()
    msg["To"] = "mailed@example.de"
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0100"
    msg["Message-ID"] = "<sent-9@example.com>"
    msg.set_content("Danke!")
    box.add(msg)
    box.flush()
    result = import_sent_mail(app.factory, tmp_path / "sent.mbox", NOW + timedelta(hours=3))
    assert result["touches"] == 1 and result["withdrawn"] == 1
    assert drops(app, cid) == []
    assert import_sent_mail(app.factory, tmp_path / "sent.mbox", NOW + timedelta(hours=3)).get("withdrawn") is None


def test_a_plan_run_asked_to_stop_ends_between_batches_and_the_next_one_completes_it(db_url):
    """A daemon stopping in the middle of a large plan waited for all of it (minutes past its grace)."""
    import pytest

    from nurture.adapters.db.tables import PlanMark
    from nurture.usecases.plan import PlanStopped

    app = make_app(db_url)
    ids = [add(app, f"p{i}@example.de", company=f"Firma {i}") for i in range(9)]
    planner = app.planner()
    planner.batch_size = 3

    def stop() -> bool:
        return True  # the daemon was told to stop while the first batch was decided

    with pytest.raises(PlanStopped, match="stopped after 3 contact"):
        planner.run(NOW, stop=stop)
    with app.factory() as session:
        first = set(session.scalars(select(Message.contact_id)))
        assert first == set(ids[:3])  # the batch decided before the stop is kept, nothing after it
        assert session.scalars(select(PlanMark)).first() is None  # the next run looks at everyone again
    summary = app.planner().run(NOW)
    assert summary.contacts == 6  # the rest; the first three are planned and not due
    with app.factory() as session:
        keys = list(session.scalars(select(Message.key)))
        assert {cid for cid in session.scalars(select(Message.contact_id))} == set(ids)
    assert len(keys) == len(set(keys))
