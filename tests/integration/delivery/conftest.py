"""A scripted SMTP server on loopback and an App wired to it, over SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.engine import upgrade
from nurture.clock import FixedClock
from nurture.entrypoints.app import App
from nurture.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ScriptedHandler:
    """Replies from a script: a list of replies per phase, consumed in order; then 250."""

    rcpt: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    received: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        with self.lock:
            reply = self.rcpt.pop(0) if self.rcpt else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            reply = self.data.pop(0) if self.data else None
        if reply:
            return reply
        with self.lock:
            self.received.append(envelope.original_content or envelope.content)
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[ScriptedHandler, int]]:
    handler = ScriptedHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


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
            row = store.add(dict(email=f"{prefix}{i}@example.com", first_name="Sam", last_name=f"Tester{i}",
                                 gender="male", language="en", country="GB", formality="formal", tier="B",
                                 timezone="Europe/London", consent="opt_in", consent_source="t", source="t"),
                            app.now(), "test")  # fmt: skip
            m = Message(key=f"{row.id}:content_drop:x", contact_id=row.id, occasion="content_drop",
                        occasion_date=app.now().date(), status="approved", send_at=app.now(), language="en",
                        subject=f"A checklist {i}", text=f"Dear Mr Tester{i},\n\nHere it is.\n", html=None,
                        message_id=f"<m{i}.{prefix}@example.com>", attempts=0, approved_by="t",
                        approved_at=app.now(), created_at=app.now(), updated_at=app.now())  # fmt: skip
            session.add(m)
            session.flush()
            ids.append(m.id)
    return ids
