"""Helpers for the approval page tests: a config in tmp_path, an App, rows inserted directly."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
SECRET = "test-secret-key-0123456789abcdef"

SPEC_CONFIG = """
[general]
timezone = "Europe/Berlin"
language = "de"
country = "DE"
formality = "formal"
consent = "none"

[paths]
templates = "../templates"
content = "content.toml"

[database]
url = "sqlite:///var/nurture.db"

[sender]
name = "Jana Beispiel"
email = "jana@example.com"
reply_to = "jana@example.com"
organisation = "Beispiel GmbH"
postal_address = "Musterstraße 1, 12345 Musterstadt"
legal_notice = "Beispiel GmbH, Sitz Musterstadt, Amtsgericht Musterstadt HRB 12345"
unsubscribe_url = "http://127.0.0.1:8080/u"

[smtp]
host = "127.0.0.1"
port = 1025
security = "none"
username = ""
password_env = "NURTURE_SMTP_PASSWORD"
max_per_minute = 120
concurrency = 4

[schedule]
plan_every = "1h"
send_every = "1m"
horizon = "14d"
digest_at = "08:00"
digest_to = ["jana@example.com"]

[send_window]
start = "08:30"
end = "17:00"
weekdays_only = true

[cadence]
A = "21d"
B = "45d"
C = "90d"

[caps]
max_per_contact = 2
window = "30d"

[occasions]
birthday = true
job_change = true
promotion = true
work_anniversary = true
publication = true
achievement = true
content_drop = true
reconnect = "180d"

[guard]
extra_phrases = { de = [], en = [] }
allow_phrases = { de = [], en = [] }

[web]
bind = "127.0.0.1:8080"
password_env = "NURTURE_WEB_PASSWORD"
secret_key_env = "NURTURE_SECRET_KEY"
"""


def set_keys(toml: str, changes: dict[tuple[str, str], str]) -> str:
    """Replace `key = …` lines inside the named sections (values given as TOML literals)."""
    out, section, done = [], "", set()
    for line in toml.splitlines():
        header = re.match(r"\s*\[([^\]]+)\]\s*$", line)
        if header:
            section = header.group(1).strip()
        key = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
        if key and (section, key.group(1)) in changes:
            line = f"{key.group(1)} = {changes[(section, key.group(1))]}"
            done.add((section, key.group(1)))
        out.append(line)
    text = "\n".join(out) + "\n"
    for (section, name), value in changes.items():
        if (section, name) not in done:
            text = text.replace(f"[{section}]\n", f"[{section}]\n{name} = {value}\n", 1)
    return text


def write_config(tmp_path: Path, db_url: str, extra: dict[tuple[str, str], str] | None = None) -> Path:
    source = ROOT / "config" / "nurture.toml"
    base = source.read_text(encoding="utf-8") if source.exists() else SPEC_CONFIG
    content = ROOT / "config" / "content.toml"
    if not content.exists():
        content = tmp_path / "content.toml"
        content.write_text(
            '[[item]]\nid = "checklist-1"\ntitle = "Checkliste"\nurl = "https://example.com/c"\n'
            'kind = "checklist"\nlanguage = "de"\ntopics = ["vertrieb"]\nsummary = "Eine Checkliste."\n',
            encoding="utf-8",
        )
    changes = {
        ("database", "url"): f'"{db_url}"',
        ("paths", "templates"): f'"{ROOT / "templates"}"',
        ("paths", "content"): f'"{content}"',
        **(extra or {}),
    }
    path = tmp_path / "nurture.toml"
    path.write_text(set_keys(base, changes), encoding="utf-8")
    return path


def build_app(tmp_path: Path, db_url: str, extra: dict[tuple[str, str], str] | None = None) -> Any:
    from nurture.clock import FixedClock
    from nurture.entrypoints.app import App
    from nurture.settings import load_settings

    return App(load_settings(write_config(tmp_path, db_url, extra)), FixedClock(NOW))


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def login(client: Any, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    response = client.post("/login", data={"password": password, "csrf": csrf_of(page.text), "next": "/queue"})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/queue").text)


_seq = itertools.count(1)


def add_contact(app: Any, **values: Any) -> int:
    from nurture.adapters.db.contact_store import ContactStore

    n = next(_seq)
    row = {
        "email": f"person{n}@example.org", "first_name": "Anna", "last_name": f"Muster{n}", "gender": "female",
        "title": None, "language": "de", "country": "DE", "formality": "formal", "tier": "B",
        "timezone": "Europe/Berlin", "consent": "opt_in", "consent_source": "form", "consent_date": date(2025, 1, 1),
        "company": "Beispiel AG",
    }  # fmt: skip
    row.update(values)
    with app.factory() as session, session.begin():
        contact = ContactStore(session).add(row, NOW - timedelta(days=400), "test")
        return int(contact.id)


def message_values(contact_id: int, **values: Any) -> dict[str, Any]:
    n = next(_seq)
    row = {
        "key": f"test:{contact_id}:{n}", "contact_id": contact_id, "occasion": "birthday",
        "occasion_date": (NOW + timedelta(days=3)).date(), "status": "pending", "send_at": NOW + timedelta(days=3),
        "language": "de", "subject": f"Alles Gute {n}", "text": f"Sehr geehrte Frau Muster,\n\nText {n}.\n",
        "html": None, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    row.update(values)
    return row


def add_message(app: Any, contact_id: int, **values: Any) -> int:
    from nurture.adapters.db.tables import Message

    with app.factory() as session, session.begin():
        row = Message(**message_values(contact_id, **values))
        session.add(row)
        session.flush()
        return int(row.id)


def message_status(app: Any, mid: int) -> tuple[str, str | None]:
    from nurture.adapters.db.tables import Message

    with app.factory() as session:
        row = session.get(Message, mid)
        assert row is not None
        return row.status, row.reason

