"""Relays that answer oddly: the real sender against a raw scripted SMTP server on 127.0.0.1.

aiosmtpd always answers well-formed, so these replies come from a bare asyncio server that
writes exactly the bytes a test scripts: codes outside 2xx-5xx, garbled or endless lines,
bytes that are not UTF-8, a NUL, more replies than were asked for, no EHLO. Each test runs the
dispatcher (or `nurture send`) over a few approved messages and judges the end state: the
status and reason in the database, the delivery attempts, and how often each Message-ID
reached the server (never twice, never silently lost).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from integration.delivery.conftest import NOW, approved_messages, make_app
from sqlalchemy import select

from nurture.adapters.db.tables import Contact, DeliveryAttempt, Message
from nurture.entrypoints.app import App

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config" / "nurture.toml"
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)
FAST = {
    "NURTURE_SMTP__TIMEOUT": "1s",
    "NURTURE_SMTP__DATA_TIMEOUT": "1s",
    "NURTURE_SMTP__CONCURRENCY": "1",
    "NURTURE_SMTP__MAX_PER_MINUTE": "0",
    "NURTURE_SMTP__RETRY_AFTER": "1s",
    "NURTURE_SMTP__SECURITY": "none",
}
EHLO = b"250-mx.test\r\n250-SIZE 10000000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
DEFAULTS = {
    "GREETING": b"220 mx.test ESMTP\r\n", "EHLO": EHLO, "HELO": b"250 mx.test\r\n", "MAIL": b"250 2.1.0 OK\r\n",
    "RCPT": b"250 2.1.5 OK\r\n", "DATA": b"354 End data with <CR><LF>.<CR><LF>\r\n", "DOT": b"250 2.0.0 queued\r\n",
    "RSET": b"250 2.0.0 OK\r\n", "NOOP": b"250 2.0.0 OK\r\n", "QUIT": b"221 2.0.0 Bye\r\n",
}  # fmt: skip


@dataclass
class RawRelay:
    """A bare SMTP server that writes scripted bytes per command, else the usual replies.

    ``on(verb, reply)`` queues the exact bytes for the next such command; ``DOT`` is the reply
    to the final dot. A message counts as received once its final dot has arrived, whatever the
    reply: from then on the relay may have queued it, which is the case the sender must respect.
    """

    port: int = 0
    script: dict[str, list[bytes]] = field(default_factory=dict)
    received: list[bytes] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)
    connections: int = 0

    def on(self, verb: str, *replies: bytes) -> RawRelay:
        self.script.setdefault(verb, []).extend(replies)
        return self

    def _reply(self, verb: str) -> bytes:
        queue = self.script.get(verb)
        if queue:
            return queue.pop(0)
        return DEFAULTS.get(verb, b"502 5.5.1 Command not implemented\r\n")

    def message_ids(self) -> list[str]:
        return [m.group(1).decode() if (m := _MESSAGE_ID.search(raw)) else "<none>" for raw in self.received]

    def pending(self) -> dict[str, list[bytes]]:
        return {verb: replies for verb, replies in self.script.items() if replies}

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            writer.write(self._reply("GREETING"))
            while line := await reader.readline():
                self.commands.append(line)
                verb = line.split(b" ", 1)[0].strip().upper().decode("ascii", "replace")
                reply = self._reply(verb)
                writer.write(reply)
                await writer.drain()
                if verb == "QUIT":
                    break
                if verb == "DATA" and reply.startswith(b"354"):
                    body = bytearray()
                    while (chunk := await reader.readline()) != b".\r\n":
                        if not chunk:
                            return
                        body += chunk[1:] if chunk.startswith(b".") else chunk
                    self.received.append(bytes(body))
                    writer.write(self._reply("DOT"))
                    await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


@pytest_asyncio.fixture
async def raw_relay() -> AsyncIterator[Callable[[], Awaitable[RawRelay]]]:
    servers: list[asyncio.AbstractServer] = []

    async def start() -> RawRelay:
        relay = RawRelay()
        server = await asyncio.start_server(relay.serve, host="127.0.0.1", port=0)
        servers.append(server)
        relay.port = server.sockets[0].getsockname()[1]
        return relay

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def rows(app: App, ids: list[int]) -> list[Message]:
    with app.factory() as session:
        found = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(ids)))}
        session.expunge_all()
    return [found[i] for i in ids]


def attempts(app: App, mid: int) -> list[DeliveryAttempt]:
    with app.factory() as session:
        query = select(DeliveryAttempt).where(DeliveryAttempt.message_id == mid).order_by(DeliveryAttempt.id)
        found = list(session.scalars(query))
        session.expunge_all()
    return found


def bounced(app: App, contact_id: int) -> bool:
    with app.factory() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        return contact.bounced


def setup(db_url: str, relay: RawRelay, count: int = 3) -> tuple[App, list[int]]:
    app = make_app(db_url, relay.port, NOW, **FAST)
    return app, approved_messages(app, count)


async def send_runs(app: App, runs: int = 3) -> list[dict[str, object]]:
    """`runs` dispatcher runs, hours apart (every retry is due again by the next one)."""
    summaries = []
    for _ in range(runs):
        summaries.append((await app.dispatcher("odd").run_once()).as_dict())
        app.clock.advance(timedelta(hours=7))  # type: ignore[attr-defined]
    return summaries


async def nurture_send(db_url: str, relay: RawRelay) -> dict[str, object]:
    """`nurture send --json` in a subprocess; the relay keeps serving in this loop meanwhile."""
    import json

    env = {**os.environ, "NURTURE_NOW": "", "NURTURE_CONFIG": "", "NURTURE_DATABASE__URL": db_url,
           "NURTURE_SMTP__HOST": "127.0.0.1", "NURTURE_SMTP__PORT": str(relay.port),
           "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef", **FAST}  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nurture", "--config", str(CONFIG), "--now", NOW.isoformat(), "send", "--json",
        env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, f"nurture send exited {proc.returncode}:\n{out.decode()}\n{err.decode()}"
    assert b"Traceback" not in err, err.decode()
    summary: dict[str, object] = json.loads(out)
    return summary


# -- after the final dot, a reply that is neither acceptance nor refusal -----------------------

AFTER_DOT = {
    "code_199": b"199 What?\r\n",
    "second_354": b"354 Go ahead\r\n",
    "code_600": b"600 Beyond the RFC\r\n",
    "garbled": b"abc queued maybe\r\n",
    "line_over_8k": b"250 2.0.0 " + b"x" * 9000 + b"\r\n",
}


@pytest.mark.parametrize("reply", AFTER_DOT.values(), ids=AFTER_DOT.keys())
async def test_unexpected_reply_after_the_final_dot_goes_to_review_and_is_never_resent(db_url, raw_relay, reply):
    """The relay holds the whole message: a code outside 2xx/4xx/5xx (or none readable) after the
    final dot says neither "queued" nor "refused", so a retry could deliver it twice."""
    relay = await raw_relay()
    relay.on("DOT", reply)
    app, ids = setup(db_url, relay)

    first, *later = await send_runs(app)
    faulted, *others = rows(app, ids)

    assert not relay.pending(), "the scripted reply was never sent"
    assert faulted.status == "review" and faulted.attempts == 1
    assert faulted.reason is not None and faulted.reason.startswith("delivery uncertain")
    assert [a.outcome for a in attempts(app, faulted.id)] == ["uncertain"]
    assert first["uncertain"] == 1 and first["retry"] == first["failed"] == 0 and first["sent"] == 2
    assert [m.status for m in others] == ["sent", "sent"]
    assert all(run["sent"] == run["retry"] == 0 for run in later)
    on_wire = relay.message_ids()
    assert sorted(on_wire) == sorted(m.message_id for m in [faulted, *others]), "a message went out twice"


# -- reply text that is not UTF-8 or carries a NUL: the outcome must still be recorded ---------


async def test_reply_text_with_invalid_utf8_and_nul_is_recorded_through_nurture_send(db_url, raw_relay):
    """Bytes that are not UTF-8 (and a NUL, which PostgreSQL refuses in text) in a reply must not
    stop the run from recording what the relay said: the refused contact is bounced, the rest sent."""
    relay = await raw_relay()
    relay.on("RCPT", b"550 5.1.1 Empf\xe4nger unbekannt\x00 \xff\r\n")
    relay.on("DOT", b"250 2.0.0 Ok: queued as \xfe\xff\x00X1\r\n")
    app, ids = setup(db_url, relay)

    summary = await nurture_send(db_url, relay)
    refused, queued, plain = rows(app, ids)

    assert not relay.pending()
    assert summary["failed"] == 1 and summary["sent"] == 2
    assert refused.status == "failed" and bounced(app, refused.contact_id)
    assert refused.reason is not None and refused.reason.startswith("550 5.1.1 Empf\ufffdnger unbekannt")
    assert "\x00" not in refused.reason
    assert queued.status == "sent" and plain.status == "sent"
    [attempt] = attempts(app, queued.id)
    assert attempt.outcome == "sent" and attempt.smtp_text is not None and "X1" in attempt.smtp_text
    assert sorted(relay.message_ids()) == sorted([queued.message_id, plain.message_id])


# -- a refusal about the recipient's mailbox is final, not a reason to pause the relay ---------

PERMANENT = {
    "gmail_over_quota_at_rcpt": (
        "RCPT",
        b"552-5.2.2 The email account that you tried to reach is over quota. Please direct\r\n"
        b"552 5.2.2 the recipient to https://support.google.com/mail/?p=OverQuotaPerm\r\n",
        "552 5.2.2",
    ),
    "too_many_hops_after_dot": ("DOT", b"554 5.4.6 Too many hops\r\n", "554 5.4.6"),
    "corporate_policy_after_dot": ("DOT", b"550 5.7.1 Message rejected by corporate policy\r\n", "550 5.7.1"),
}


@pytest.mark.parametrize(("verb", "reply", "code"), PERMANENT.values(), ids=PERMANENT.keys())
async def test_permanent_refusal_mentioning_quota_or_many_fails_at_once(db_url, raw_relay, verb, reply, code):
    """A full mailbox or a mail loop is about this message; it is no sending quota of ours.
    Taken for one, the message was put back without spending an attempt on every run, paused
    the relay each time and never failed."""
    relay = await raw_relay()
    relay.on(verb, reply)  # once: offered again, the message would be accepted and counted
    app, ids = setup(db_url, relay)

    first, *later = await send_runs(app)
    faulted, *others = rows(app, ids)

    assert faulted.status == "failed" and faulted.attempts == 1
    assert faulted.reason is not None and faulted.reason.startswith(code)
    assert not bounced(app, faulted.contact_id)
    assert first["failed"] == 1 and first["sent"] == 2 and "errors" not in first
    assert [m.status for m in others] == ["sent", "sent"]
    assert [a.outcome for a in attempts(app, faulted.id)] == ["failed"]
    assert not relay.pending()
    assert all(run["sent"] == run["retry"] == run["failed"] == 0 for run in later), "offered again"
    expected = [m.message_id for m in others] + ([faulted.message_id] if verb == "DOT" else [])
    assert sorted(relay.message_ids()) == sorted(expected)


# -- more replies than commands: the surplus must not answer the next message -------------------


async def test_surplus_reply_after_the_final_dot_does_not_answer_the_next_message(db_url, raw_relay):
    """A relay that writes a stray "550 5.1.1" behind its 250 used to fail (and blame) the next
    message on the reused connection, which the relay never refused."""
    relay = await raw_relay()
    relay.on("DOT", b"250 2.0.0 queued as A1\r\n550 5.1.1 No such user here\r\n")
    app, ids = setup(db_url, relay)

    first, *later = await send_runs(app)
    after = rows(app, ids)

    assert not relay.pending()
    assert [m.status for m in after] == ["sent"] * 3 and [m.attempts for m in after] == [1, 1, 1]
    assert first["sent"] == 3 and first["failed"] == first["retry"] == 0
    assert not any(bounced(app, m.contact_id) for m in after)
    assert sorted(relay.message_ids()) == sorted(m.message_id for m in after)
    assert relay.connections == 2  # the out-of-step connection was replaced


# -- an old relay without EHLO -------------------------------------------------------------------


async def test_relay_that_refuses_ehlo_is_greeted_with_helo(db_url, raw_relay):
    """RFC 5321 §4.1.1.1: on 500/502 to EHLO the client falls back to HELO. Without it such a
    relay refused "us" on every run and the approved messages waited for ever."""
    relay = await raw_relay()
    relay.on("EHLO", b"502 5.5.1 EHLO not implemented\r\n")
    app, ids = setup(db_url, relay)

    first, *later = await send_runs(app, runs=2)
    after = rows(app, ids)

    assert not relay.pending()
    assert first["sent"] == 3 and [m.status for m in after] == ["sent"] * 3
    assert sorted(relay.message_ids()) == sorted(m.message_id for m in after)
    assert any(c.startswith(b"HELO ") for c in relay.commands)
    assert all(not c.upper().startswith(b"MAIL FROM:") or b"SIZE=" not in c for c in relay.commands)
