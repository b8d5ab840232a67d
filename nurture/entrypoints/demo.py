"""`nurture demo`: the whole product on the embedded default, in one command.

Creates `var/` with a SQLite database, imports the sample contacts and the sample content
library, moves a few birthdays to today and this week (in the demo's clock), records some
events and graph edges, starts a local capture SMTP server writing `.eml` files to
`var/outbox/`, and runs the daemon with the approval page until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.engine import upgrade
from nurture.adapters.db.graph_store import GraphStore
from nurture.adapters.db.importing import Importer
from nurture.adapters.db.tables import Contact, Event
from nurture.adapters.importers import read_contacts
from nurture.adapters.mail_capture import MailCapture
from nurture.clock import clock_from
from nurture.entrypoints.app import App
from nurture.entrypoints.daemon import Daemon
from nurture.entrypoints.logs import setup_logging
from nurture.settings import load_settings

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def free_port(preferred: int) -> int:
    """The preferred port when it is free, else (or for 0) any free one."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
        except OSError:
            s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_environment(var: Path, web_port: int, smtp_port: int) -> dict[str, str]:
    """Overrides for the demo: its own database, the capture server, a password and a key."""
    key_file = var / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(32))
        key_file.chmod(0o600)
    env = {
        "NURTURE_DATABASE__URL": f"sqlite:///{var / 'nurture.db'}",
        "NURTURE_SMTP__HOST": "127.0.0.1",
        "NURTURE_SMTP__PORT": str(smtp_port),
        "NURTURE_SMTP__SECURITY": "none",
        "NURTURE_WEB__BIND": f"127.0.0.1:{web_port}",
        "NURTURE_SENDER__UNSUBSCRIBE_URL": f"http://127.0.0.1:{web_port}/u",
        "NURTURE_SECRET_KEY_FILE": str(key_file),
        "NURTURE_SCHEDULE__SEND_EVERY": "10s",
        "NURTURE_SCHEDULE__PLAN_EVERY": "10m",
    }
    if not os.environ.get("NURTURE_WEB_PASSWORD") and not os.environ.get("NURTURE_WEB_PASSWORD_FILE"):
        env["NURTURE_WEB_PASSWORD"] = "demo"
    return env


def seed(app: App, sample: Path) -> str:
    """Import the sample contacts and give the demo something to show today."""
    now = app.now()
    with app.factory() as session:
        if ContactStore(session).count() > 0:
            return "sample data already there"
    summary = Importer(app.factory, app.import_defaults(), now, "demo", "csv").run(read_contacts(sample, "csv"),
                                                                                   str(sample))  # fmt: skip
    today = now.astimezone(ZoneInfo(app.settings.general.timezone)).date()
    with app.factory() as session, session.begin():
        store = ContactStore(session)
        rows = list(session.scalars(select(Contact).where(Contact.birthday.is_not(None)).order_by(Contact.id)))
        for offset, row in enumerate(rows[:7]):
            day = today + timedelta(days=offset)
            year = row.birthday[:4] if row.birthday and not row.birthday.startswith("--") else None
            new = f"{year}-{day:%m-%d}" if year and not (day.month == 2 and day.day == 29) else f"--{day:%m-%d}"
            store.update(row, {"birthday": new}, now, "demo")
        by_email = {r.email: r for r in session.scalars(select(Contact))}
        # A CRM brings history: earlier touches, so content drops and reconnects fall due too.
        for row in by_email.values():
            row.last_touch_at = now - timedelta(days=15 + (row.id * 37) % 200)
            row.next_due_at = None

        def ev(email: str, kind: str, **details: str) -> None:
            if email in by_email:
                session.add(Event(contact_id=by_email[email].id, kind=kind, date=today - timedelta(days=2),
                                  details=details, source="demo", learned_at=now))  # fmt: skip

        ev("sabine.becker@example.de", "job_change", company="Becker & Kolleginnen", position="Partnerin",
           old_company="Becker Consulting", old_position="Beraterin")  # fmt: skip
        ev("thomas.schneider@example.de", "publication", title="Datenkompetenz im Mittelstand")
        ev("james.wilson@example.co.uk", "promotion", position="Chief Operating Officer")
        ev("olivia.brown@example.com", "achievement", what="the Data Leadership Award 2026")
        graph = GraphStore(session)
        for a, b, kind in (
            ("anna.mueller@example.de", "stefan.hoffmann@example.de", "knows"),
            ("anna.mueller@example.de", "julia.weber@example.de", "introduced_by"),
            ("anna.mueller@example.de", "markus.wagner@example.de", "knows"),
            ("anna.mueller@example.de", "reto.meier@example.ch", "knows"),
            ("anna.mueller@example.de", "emma.thompson@example.co.uk", "knows"),
            ("emma.thompson@example.co.uk", "james.wilson@example.co.uk", "colleague"),
        ):
            if a in by_email and b in by_email:
                graph.link(by_email[a].id, by_email[b].id, kind, now)
    return f"{summary.created} sample contacts imported ({summary.rejected} rejected)"


def run_demo(root: Path, *, port: int = 8080, reset: bool = False, now_text: str | None = None) -> int:
    setup_logging("text")
    var = root / "var"
    if reset and var.exists():
        shutil.rmtree(var)
    var.mkdir(parents=True, exist_ok=True)
    config = root / "config" / "nurture.toml"
    if not config.exists():
        config = PACKAGE_ROOT / "config" / "nurture.toml"
    sample = config.parent / "sample_contacts.csv"
    web_port = free_port(port)
    capture = MailCapture(var / "outbox", port=free_port(1025))
    capture.start()
    try:
        os.environ.update(demo_environment(var, web_port, capture.port))
        settings = load_settings(config)
        clock = clock_from(now_text, settings.general.timezone)
        app = App(settings, clock)
        upgrade(app.engine)
        print(seed(app, sample))
        summary = app.planner().run(app.now())
        written = sum(n for status, n in summary.by_status.items() if status != "planned")
        print(f"{summary.planned} messages planned for the next {settings.schedule.horizon.days} days; "
              f"{written} of them due within {settings.schedule.compose_ahead.days} days are written and in the "
              "queue, the rest get their words that long before they are due")  # fmt: skip
        password = "the value of NURTURE_WEB_PASSWORD" if "NURTURE_WEB_PASSWORD" not in os.environ or \
            os.environ["NURTURE_WEB_PASSWORD"] != "demo" else "demo"  # fmt: skip
        print(
            f"\n  Approval page: http://127.0.0.1:{web_port}/   (password: {password})\n"
            f"  Sent mail lands in {var / 'outbox'} as .eml files (capture SMTP on 127.0.0.1:{capture.port})\n"
            f"  Also try: nurture queue, nurture approve ID, nurture status   (Ctrl-C stops the demo)\n",
            flush=True,
        )
        return asyncio.run(Daemon(config, clock, app, with_web=True).main())
    finally:
        capture.stop()


