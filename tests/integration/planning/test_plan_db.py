"""Planning against a real database: touches move the cadence, greetings expire, reports tell the truth."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import func, select, text

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.engine import upgrade
from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Message, Touch
from nurture.clock import FixedClock
from nurture.entrypoints.app import App
from nurture.settings import load_settings
from nurture.usecases.reports import coverage
from nurture.usecases.touches import import_sent_mail, record_touch

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday, 08:00 in Berlin


def make_app(db_url: str) -> App:
    settings = load_settings(ROOT / "config" / "nurture.toml",
                             environ={"NURTURE_DATABASE__URL": db_url, "NURTURE_SECRET_KEY": "k" * 32})  # fmt: skip
    app = App(settings, FixedClock(NOW))
    upgrade(app.engine)
    return app


def add(app: App, email: str, **values: object) -> int:
    base = dict(email=email, first_name="Jana", last_name="Roth", gender="female", language="de", country="DE",
                formality="formal", tier="A", timezone="Europe/Berlin", consent="opt_in", consent_source="t",
                source="t", topics="sales;leadership")  # fmt: skip
    base.update(values)
    with app.factory() as session, session.begin():
        row = ContactStore(session).add(base, NOW - timedelta(days=200), "t")
        row.last_touch_at = NOW - timedelta(days=40)
        return row.id


def occasions(app: App, contact_id: int) -> list[str]:
    with app.factory() as session:
        return list(session.scalars(select(Message.occasion).where(Message.contact_id == contact_id)))


def test_a_recorded_touch_moves_the_next_content_drop(db_url):
    app = make_app(db_url)
    quiet = add(app, "quiet@example.de")
    called = add(app, "called@example.de")
    record_touch(app.factory, "called@example.de", NOW - timedelta(days=1), "phone call")
    app.planner().run(NOW)
    assert "content_drop" in occasions(app, quiet)
    assert "content_drop" not in occasions(app, called)


def test_an_imported_sent_mail_counts_as_a_touch(db_url, tmp_path: Path):
    app = make_app(db_url)
    mailed = add(app, "mailed@example.de")
    box = mailbox.mbox(tmp_path / "sent.mbox")
    msg = EmailMessage()
    msg["From"] = "jana@example.com"
    msg["To"] = "Jana Roth <MAILED@example.de>, stranger@example.org"
    msg["Subject"] = "Unser Gespräch"
    msg["Date"] = "Sun, 22 Nov 2026 10:00:00 +0100"
    msg["Message-ID"] = "<sent-1@example.com>"
    msg.set_content("Danke für das Gespräch.")
    box.add(msg)
    box.flush()
    result = import_sent_mail(app.factory, tmp_path / "sent.mbox", NOW)
    assert result == {"mails": 1, "touches": 1, "contacts": 1, "already": 0, "not_contacts": 1,
                      "not_contacts_sample": ["stranger@example.org"]}  # fmt: skip
    again = import_sent_mail(app.factory, tmp_path / "sent.mbox", NOW)
    assert again["touches"] == 0 and again["already"] == 1
    app.planner().run(NOW)
    assert "content_drop" not in occasions(app, mailed)


def test_odd_sent_mail_is_recorded_without_poisoning_the_plan(db_url, tmp_path: Path):
    """A NUL in a subject failed the whole import on PostgreSQL; a Date in year 9999 overflowed."""
    app = make_app(db_url)
    mailed = add(app, "mailed@example.de")
    raw = (
        b"From x@y Mon Jan  1 00:00:00 2026\nTo: mailed@example.de\nSubject: nul \x00 inside\n"
        b"Date: Sun, 22 Nov 2026 10:00:00 +0100\nMessage-ID: <odd-1@x>\n\nhi\n\n"
        b"From x@y Mon Jan  1 00:00:00 2026\nTo: mailed@example.de\nSubject: =?utf-8?q?Gespr=C3=A4ch?=\n"
        b"Date: Fri, 31 Dec 9999 23:59:59 -1200\nMessage-ID: <odd-2@x>\n\nhi\n\n"
        b"From x@y Mon Jan  1 00:00:00 2026\nTo: mailed@example.de\nSubject: later\n"
        b"Date: Tue, 01 Jan 2030 10:00:00 +0000\nMessage-ID: <odd-3@x>\n\nhi\n"
    )
    (tmp_path / "sent.mbox").write_bytes(raw)
    result = import_sent_mail(app.factory, tmp_path / "sent.mbox", NOW)
    assert result == {"mails": 3, "touches": 3, "contacts": 1, "already": 0}
    with app.factory() as session:
        touches = session.execute(select(Touch.at, Touch.note).order_by(Touch.id)).all()
    assert [note for _at, note in touches] == ["nul inside", "Gespräch", "later"]
    # A mail "from the future" counts as sent now, not in 9999 or 2030.
    assert [at for at, _note in touches] == [datetime(2026, 11, 22, 9, 0, tzinfo=UTC), NOW, NOW]
    app.planner().run(NOW + timedelta(days=1))
    assert "content_drop" not in occasions(app, mailed)


def test_an_unapproved_greeting_expires_at_the_end_of_its_day(db_url):
    app = make_app(db_url)
    cid = add(app, "bday@example.de", birthday="1980-11-23")
    app.planner().run(NOW)
    with app.factory() as session:
        greeting = session.scalars(select(Message).where(Message.contact_id == cid,
                                                         Message.occasion == "birthday")).one()  # fmt: skip
    assert greeting.status == "pending"
    assert greeting.expires_at == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # midnight in Berlin
    with app.factory() as session, session.begin():
        assert MessageStore(session).expire_missed(datetime(2026, 11, 23, 22, 59, tzinfo=UTC)) == []
        assert MessageStore(session).expire_missed(datetime(2026, 11, 23, 23, 0, tzinfo=UTC)) == [greeting.id]
    app.clock.advance(timedelta(hours=17))
    results = app.desk().approve([greeting.id], "jana")
    assert not results[0].ok
    app.planner().run(app.now())
    with app.factory() as session:
        assert session.get(Message, greeting.id).status == "expired"
        assert len(session.scalars(select(Message).where(Message.occasion == "birthday")).all()) == 1


def test_coverage_names_neglected_contacts_and_their_next_occasion(db_url):
    app = make_app(db_url)
    cid = add(app, "nobody@example.de", birthday="--12-24", topics="astronomy", language="en", country="GB")
    app.planner().run(NOW)
    with app.factory() as session:
        rows = {r.contact_id: r for r in coverage(session, NOW, app.rules.cadence)}
    row = rows[cid]
    assert row.target >= 2 and row.neglected
    assert row.next_occasion == "birthday on 2026-12-24"


def test_a_large_run_tidies_up_after_itself_on_postgresql(db_url, monkeypatch):
    """After a run that grew the messages table a lot: statistics updated, replaced row versions vacuumed."""
    import nurture.adapters.db.batches as batches

    monkeypatch.setattr(batches, "ANALYZE_FROM", 3)
    app = make_app(db_url)
    for i in range(4):
        add(app, f"p{i}@example.de")
    postgres = app.engine.dialect.name == "postgresql"
    assert batches.refresh_statistics(app.engine, 2) is False  # a small run leaves it to autovacuum
    app.planner().run(NOW)
    with app.factory() as session:
        assert session.scalar(select(func.count()).select_from(Message)) >= 4
        if postgres:
            tidied = "SELECT last_analyze, last_vacuum FROM pg_stat_user_tables WHERE relname = 'messages'"
            analyzed, vacuumed = session.execute(text(tidied)).one()
            assert analyzed is not None and vacuumed is not None
            known = session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'messages'")).scalar()
            assert known >= 4  # the row count the next run's queries are planned with
        else:
            assert batches.refresh_statistics(app.engine, 100) is False  # SQLite keeps no such statistics here
