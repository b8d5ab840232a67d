"""A scripted SMTP server on loopback and an App wired to it, over SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.engine import upgrade
from nurture.clock import FixedClock
from nurture.entrypoints.app import App
from nurture.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


LAST_NAMES = ("Berger", "Brandt", "Keller", "Lorenz", "Vogel", "Krause", "Frank", "Roth")


def make_app(db_url: str, smtp_port: int, now: datetime = NOW, **extra: str) -> App:
    environ = {
        "NURTURE_DATABASE__URL": db_url,
        "NURTURE_SMTP__HOST": "127.0.0.1",
        "NURTURE_SMTP__PORT": str(smtp_port),
        "NURTURE_SMTP__RETRY_AFTER": "1s",
        "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
        **extra,
    }
    settings = load_settings(ROOT / "config" / "nurture.toml", environ=environ)
    app = App(settings, FixedClock(now))
    upgrade(app.engine)
    return app


def add_contact(app: App, email: str, **values: object) -> int:
    base = dict(email=email, first_name="Anna", last_name="Müller", gender="female", title="Dr.", language="de",
                country="DE", formality="formal", tier="A", timezone="Europe/Berlin", consent="opt_in",
                consent_source="test", source="test")
    base.update(values)
    with app.factory() as session, session.begin():
        return ContactStore(session).add(base, app.now(), "test").id


def approved_messages(app: App, count: int, prefix: str = "c") -> list[int]:
    """`count` contacts with one approved content message each, due now."""
    from nurture.adapters.db.tables import Message

    ids = []
    with app.factory() as session, session.begin():
        store = ContactStore(session)
        for i in range(count):
            row = store.add(dict(email=f"{prefix}{i}@example.com", first_name="Sam", last_name=LAST_NAMES[i % len(LAST_NAMES)],
                                 gender="male", language="en", country="GB", formality="formal", tier="B",
                                 timezone="Europe/London", consent="opt_in", consent_source="t", source="t"),
                            app.now(), "test")  # fmt: skip
            m = Message(key=f"{row.id}:content_drop:x", contact_id=row.id, occasion="content_drop",
                        occasion_date=app.now().date(), status="approved", send_at=app.now(), language="en",
                        subject=f"A checklist {i}", text=f"Dear Mr {LAST_NAMES[i % len(LAST_NAMES)]},\n\nHere it is.\n", html=None,
                        message_id=f"<m{i}.{prefix}@example.com>", attempts=0, approved_by="t",
                        approved_at=app.now(), created_at=app.now(), updated_at=app.now())  # fmt: skip
            session.add(m)
            session.flush()
            ids.append(m.id)
    return ids
