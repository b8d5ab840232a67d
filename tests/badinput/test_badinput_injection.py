"""Header and HTML injection through every contact field, on the real path to a real SMTP server.

Hostile values go into the SQLite database as they could arrive from any edit path (the
importers refuse line breaks, so this is the defence behind that one); the planner composes
job-change and work-anniversary messages from them, a human approves with a hostile personal
note, the App's dispatcher sends to aiosmtpd on 127.0.0.1, and the received bytes are parsed
back: no header beyond the ones nurture writes, one recipient, HTML escaped, text kept.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections import Counter
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from integration.delivery.conftest import NOW, add_contact, make_app
from sqlalchemy import select

from nurture.adapters.db.tables import Contact, Event, Message

HEADERS = {"from", "to", "reply-to", "subject", "date", "message-id", "mime-version", "x-nurture-message",
           "list-unsubscribe", "list-unsubscribe-post", "content-type", "content-transfer-encoding",
           "dkim-signature"}  # fmt: skip
BREAKS = {
    "crlf": "\r\n",
    "lf": "\n",
    "cr": "\r",
    "nel": "\x85",
    "u2028": "\u2028",
    "crlf_blank": "\r\n\r\n",
}
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(1)">'
FIELDS = ("first_name", "last_name", "title", "company", "position", "note", "topics", "event_details",
          "personal_note")  # fmt: skip


def payload(brk: str) -> str:
    return f"Zoë{brk}Bcc: victim@evil.example{brk}X-Injected: yes{brk}{SCRIPT}{IMG}"


class Recorder:
    """Keeps every envelope aiosmtpd accepts: recipients and the exact bytes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture
def server():
    from integration.conftest import free_port

    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def contact_values(field: str, evil: str, language: str) -> dict[str, object]:
    values: dict[str, object] = {"language": language, "country": "GB" if language == "en" else "DE",
                                 "company": "Acme", "position": "Buyer",
                                 "started_on": date(NOW.year - 3, NOW.month, NOW.day)}  # fmt: skip
    if field in ("first_name", "last_name", "title", "company", "position", "note"):
        values[field] = evil
    elif field == "topics":
        values["topics"] = f"{evil};logistics"
    return values


def body_parts(msg: EmailMessage) -> tuple[str, str | None]:
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    return text.get_content(), (html.get_content() if html is not None else None)


@pytest.mark.parametrize("brk", sorted(BREAKS))
def test_hostile_values_in_every_field_cannot_add_headers_or_markup(tmp_path: Path, server, brk: str,
                                                                     reliability) -> None:  # fmt: skip
    recorder, port = server
    evil = payload(BREAKS[brk])
    app = make_app(f"sqlite:///{tmp_path / 'nurture.db'}", port, NURTURE_SMTP__MAX_PER_MINUTE="100000")
    contacts: dict[int, tuple[str, str]] = {}
    for field in FIELDS:
        for language in ("en", "de"):
            for k in range(2):
                email = f"{field}.{language}{k}@example.com"
                cid = add_contact(app, email, **contact_values(field, evil, language))
                details = {"company": "Beta AG", "position": "Head of Sales", "old_company": "Acme"}
                if field == "event_details":
                    details = {"company": evil, "position": evil, "old_company": evil}
                with app.factory() as session, session.begin():
                    session.add(Event(contact_id=cid, kind="job_change", date=NOW.date() - timedelta(days=2),
                                      details=details, source="test", learned_at=NOW))  # fmt: skip
                contacts[cid] = (field, email)
    app.planner().run(app.now())
    desk = app.desk()
    for mid in desk.pending_ids():
        with app.factory() as session:
            field = contacts[session.get(Message, mid).contact_id][0]
        desk.approve([mid], "tester", note=evil if field == "personal_note" else "Schön, Sie zu sehen.")
    sent = 0
    for _ in range(14):  # greetings go out on their day, in the contact's send window
        app.clock.advance(timedelta(hours=12))
        sent += asyncio.run(app.dispatcher("badinput").run_once()).sent

    with app.factory() as session:
        every = list(session.scalars(select(Message)))
        rows = {m.id: m for m in every}
        by_message_id = {m.message_id: m for m in every if m.message_id}
        reviewed = {c.id: c.review_reason for c in session.scalars(select(Contact)) if c.needs_review}
    by_field: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    rendered: Counter[str] = Counter()
    names: set[str] = set()
    for row in rows.values():
        if row.status != "sent":
            assert row.status in ("review", "blocked", "failed", "pending", "rejected", "expired"), row.status
            assert row.status == "pending" or row.reason, (row.status, row.reason)
            flagged[contacts[row.contact_id][0]] += 1
    assert all(reviewed.values()), reviewed
    for cid in reviewed:
        flagged[contacts[cid][0]] += 1
    arrived: set[int] = set()
    in_subject: Counter[str] = Counter()
    for rcpt_tos, raw in recorder.received:
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert not re.search(rb"(?im)^(bcc|x-injected):", head), head
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        names |= {k.lower() for k in msg.keys()}
        assert {k.lower() for k in msg.keys()} <= HEADERS, sorted(msg.keys())
        assert msg["Bcc"] is None and msg["X-Injected"] is None
        for single in ("From", "To", "Subject", "Message-ID", "Date"):
            assert len(msg.get_all(single) or []) == 1, single
        row = by_message_id[msg["Message-ID"]]
        field, email = contacts[row.contact_id]
        by_field[field] += 1
        arrived.add(row.contact_id)
        assert [a.addr_spec for a in msg["To"].addresses] == [email] == rcpt_tos
        assert "\n" not in str(msg["Subject"]) and "\r" not in str(msg["Subject"])
        in_subject[field] += "X-Injected: yes" in str(msg["Subject"])
        text, html = body_parts(msg)
        if SCRIPT in text:
            rendered[field] += 1
            assert "Bcc: victim@evil.example" in text  # the text part keeps the text (as lines of the body)
        assert html is not None
        lowered = html.lower()
        assert "<script" not in lowered and "<img" not in lowered and 'onerror="' not in lowered, html
        if SCRIPT in text:
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    assert sent == len(recorder.received) > 0
    # Every contact was tried: a message arrived clean, or the contact or its message is held with a reason.
    held = set(reviewed) | {m.contact_id for m in rows.values() if m.status != "sent"}
    assert set(contacts) == arrived | held, {contacts[c][0] for c in set(contacts) - arrived - held}
    # The values that templates show did reach the text part (so the HTML checks above had work to do).
    assert {"event_details", "personal_note"} <= set(rendered), rendered
    reliability(
        "injection",
        f"{payload(BREAKS[brk])!r} in each of {', '.join(FIELDS)}; planned, approved, sent to aiosmtpd",
        expected="no Bcc/X-Injected header, one recipient; HTML escaped; text kept; or held with a reason",
        observed=f"{len(recorder.received)} received, headers received: {sorted(names)}; "
        f"sent per field {dict(sorted(by_field.items()))}; held per field {dict(sorted(flagged.items()))}; "
        f"payload shown in text part for {sorted(rendered)}, as one line in the subject for "
        f"{sorted(f for f, n in in_subject.items() if n)}",
    )


@pytest.mark.parametrize("brk", ["crlf", "nel"])
def test_a_broken_stored_address_is_held_and_the_run_goes_on(tmp_path: Path, server, brk: str,
                                                             reliability) -> None:  # fmt: skip
    """An address with a line break in the database must not reach RCPT nor stop the other mail."""
    recorder, port = server
    app = make_app(f"sqlite:///{tmp_path / 'nurture.db'}", port)
    evil = f"evil@example.com{BREAKS[brk]}Bcc: victim@evil.example"
    ids = {}
    for email in (evil, "fine@example.com"):
        cid = add_contact(app, email, language="en", country="GB")
        with app.factory() as session, session.begin():
            session.add(Event(contact_id=cid, kind="job_change", date=NOW.date() - timedelta(days=2),
                              details={"company": "Beta AG"}, source="test", learned_at=NOW))  # fmt: skip
        ids[cid] = email
    app.planner().run(app.now())
    app.desk().approve(app.desk().pending_ids(), "tester")
    outcome = "no exception"
    try:
        for _ in range(6):
            app.clock.advance(timedelta(hours=12))
            asyncio.run(app.dispatcher("badinput").run_once())
    except Exception as exc:  # recorded, then failed below: the run must not stop
        outcome = f"{type(exc).__name__}: {exc}"
    with app.factory() as session:
        status = {ids[m.contact_id]: (m.status, m.reason) for m in session.scalars(select(Message))}
    reliability(
        "injection",
        f"stored e-mail address {evil!r} next to a good contact; dispatcher run",
        expected="the bad one failed with a reason, never at RCPT; the good one sent; the run goes on",
        observed=f"{outcome}; received for {sorted(r for rc, _ in recorder.received for r in rc)}; "
        f"statuses {status}",
    )
    assert all("evil" not in r for rcpt_tos, _ in recorder.received for r in rcpt_tos)
    assert outcome == "no exception"
    assert status[evil][0] == "failed" and status[evil][1]
    assert status["fine@example.com"][0] == "sent"
