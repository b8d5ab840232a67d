"""SMTP faults in every phase of the dialogue, each judged by its end state in the database.

The transport tests check how a reply is classified; these check the whole path: approved
messages in a real database (SQLite and PostgreSQL), the real sender (`nurture send` in a
subprocess, or the dispatcher in-process), a real SMTP server on 127.0.0.1 that fails on cue.
For every fault the message must end where product rule 4 ("never twice, never lost") says:
retried later and then delivered exactly once, failed at once (bounced only when the mailbox
does not exist), or in review as "delivery uncertain" and never re-sent automatically.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from integration.delivery.conftest import NOW, add_contact, make_app
from sqlalchemy import select, update

from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Contact, DeliveryAttempt, Message
from nurture.entrypoints.app import App

from .smtp_fault_servers import FaultServer, free_port, message_id

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "nurture.toml"
HOUR = timedelta(hours=1)
STALL = "stall:3"  # three times the client's timeout below
# Short timeouts keep the suite fast; one connection makes the order of messages deterministic.
FAST = {
    "NURTURE_SMTP__TIMEOUT": "1s",
    "NURTURE_SMTP__DATA_TIMEOUT": "1s",
    "NURTURE_SMTP__CONCURRENCY": "1",
    "NURTURE_SMTP__MAX_PER_MINUTE": "0",
    "NURTURE_SMTP__RETRY_AFTER": "1s",
}


@dataclass
class Rig:
    """One database, one scripted server and the sender pointed at it."""

    app: App
    server: FaultServer
    env: dict[str, str]
    runs: list[dict[str, Any]] = field(default_factory=list)

    def send(self, via: str, at: datetime) -> dict[str, Any]:
        """One sender run at `at`: `nurture send --json` in a subprocess, or the in-process dispatcher."""
        if via == "cli":
            done = subprocess.run(
                [sys.executable, "-m", "nurture", "--config", str(CONFIG), "--now", at.isoformat(), "send", "--json"],
                env={**os.environ, "NURTURE_NOW": "", "NURTURE_CONFIG": "", **self.env},
                capture_output=True, text=True, timeout=60, cwd=ROOT,
            )  # fmt: skip
            # 4: the relay refused us or could not be reached (SPEC: exit codes); the run says so.
            assert done.returncode in (0, 4), (
                f"nurture send exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
            summary: dict[str, Any] = json.loads(done.stdout)
            assert (done.returncode == 4) == bool(summary.get("relay_paused")), summary
        else:
            self.app.clock.instant = at  # type: ignore[attr-defined]

            async def run() -> dict[str, Any]:
                return (await self.app.dispatcher("fault-test").run_once()).as_dict()

            summary = asyncio.run(run())
        self.runs.append(summary)
        return summary

    def rows(self, ids: list[int]) -> list[Message]:
        with self.app.factory() as session:
            found = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(ids)))}
            session.expunge_all()
        return [found[i] for i in ids]

    def contact(self, contact_id: int) -> Contact:
        with self.app.factory() as session:
            row = session.get(Contact, contact_id)
            assert row is not None
            session.expunge(row)
            return row

    def attempts(self, mid: int) -> list[DeliveryAttempt]:
        with self.app.factory() as session:
            query = (
                select(DeliveryAttempt).where(DeliveryAttempt.message_id == mid).order_by(DeliveryAttempt.id)
            )
            found = list(session.scalars(query))
            session.expunge_all()
            return found

    def planned_for(self, contact_id: int) -> int:
        with self.app.factory() as session:
            return len(list(session.scalars(select(Message.id).where(Message.contact_id == contact_id))))

    def assert_delivered_once(self, rows: list[Message]) -> None:
        """Every message arrived exactly once, with the Message-ID stored for it."""
        on_wire = self.server.handler.message_ids()
        assert len(on_wire) == len(set(on_wire)), f"a Message-ID arrived twice: {sorted(on_wire)}"
        assert sorted(on_wire) == sorted(m.message_id or "" for m in rows)


@pytest.fixture
def rig(db_url: str) -> Iterator[Callable[..., Rig]]:
    """Builds a Rig; `server_kwargs` go to aiosmtpd, `start=False` leaves the port closed for now."""
    servers: list[FaultServer] = []

    def build(*, start: bool = True, server_kwargs: dict[str, Any] | None = None, **extra: str) -> Rig:
        server = FaultServer(free_port(), **(server_kwargs or {}))
        servers.append(server)
        if start:
            server.start()
        env = {
            "NURTURE_DATABASE__URL": db_url,
            "NURTURE_SMTP__HOST": "127.0.0.1",
            "NURTURE_SMTP__PORT": str(server.port),
            "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
            **FAST,
            **extra,
        }
        app = make_app(db_url, server.port, NOW, **{**FAST, **extra})
        return Rig(app, server, env)

    yield build
    for server in servers:
        server.stop()


NAMES = ("Berger", "Brandt", "Keller", "Lorenz", "Vogel")


def approved(app: App, count: int, *, birthday: str | None = None) -> list[int]:
    """`count` contacts with one approved, due content message each (ids in sending order)."""
    ids = []
    for i in range(count):
        extra = {"birthday": birthday} if birthday else {}
        cid = add_contact(app, f"k{i}@example.com", first_name="Sam", last_name=NAMES[i], gender="male",
                          title="", language="en", country="GB", tier="B", timezone="Europe/London", **extra)  # fmt: skip
        with app.factory() as session, session.begin():
            m = Message(key=f"{cid}:content_drop:fault", contact_id=cid, occasion="content_drop",
                        occasion_date=app.now().date(), status="approved", send_at=app.now(), language="en",
                        subject=f"A checklist {i}", text=f"Dear Mr {NAMES[i]},\n\nHere it is.\n", html=None,
                        message_id=f"<fault{i}.{cid}@example.com>", attempts=0, approved_by="t",
                        approved_at=app.now(), created_at=app.now(), updated_at=app.now())  # fmt: skip
            session.add(m)
            session.flush()
            ids.append(m.id)
    return ids


# -- transient faults: retried with the same bytes, later delivered exactly once --------------


@dataclass(frozen=True)
class Transient:
    tried: str
    phase: str | None  # where the script puts the fault; None: the server is not up at first
    action: str
    reason: str  # must appear in the stored reason
    pauses: bool  # the relay is backed off for the rest of the run
    via: str


TRANSIENT = [
    Transient("connect refused (nothing listening)", None, "", "connect", True, "cli"),
    Transient(
        "421 at greeting", "greeting", "421 4.3.2 Service not available, closing channel", "421", True, "cli"
    ),
    Transient(
        "451 after RCPT", "rcpt", "451 4.3.0 Temporary local problem, try later", "451 4.3.0", False, "app"
    ),
    Transient("disconnect after MAIL (before DATA)", "mail", "drop", "retrying after", True, "cli"),
    Transient("stall past the timeout before DATA (at RCPT)", "rcpt", STALL, "timeout", True, "app"),
    Transient("stall past the timeout at the greeting", "greeting", STALL, "timeout", True, "cli"),
    Transient(
        "stall past the timeout at the DATA command (before 354)", "data", STALL, "timeout", True, "app"
    ),
    Transient(
        "451 greylisting after the final dot",
        "data_end",
        "451 4.7.1 Greylisted, try again later",
        "451 4.7.1",
        False,
        "cli",
    ),
]


@pytest.mark.parametrize("case", TRANSIENT, ids=lambda c: c.tried.split(" (")[0].replace(" ", "_"))
def test_transient_fault_is_retried_and_later_delivered_once(rig, reliability, case: Transient) -> None:
    """The message waits for a retry (same Message-ID, same bytes) and arrives once on a later run."""
    r = rig(start=case.phase is not None)
    ids = approved(r.app, 3)
    if case.phase is not None:
        r.server.handler.on(case.phase, case.action)

    first = r.send(case.via, NOW)
    faulted, *others = r.rows(ids)
    received_first = len(r.server.handler.received)
    if case.phase is None:
        r.server.start()  # the relay comes back

    second = r.send(case.via, NOW + HOUR)
    third = r.send("app", NOW + 2 * HOUR)
    after = r.rows(ids)
    outcomes = [a.outcome for a in r.attempts(faulted.id)]
    reliability("SMTP", case.tried, expected="approved again for retry, relay paused" if case.pauses else
                "approved again for retry, others sent", observed=(
        f"run 1: status={faulted.status}, attempts={faulted.attempts}, reason={faulted.reason!r}, "
        f"others untouched={sum(m.attempts == 0 for m in others)}, received={received_first}; "
        f"later: statuses={sorted({m.status for m in after})}, attempts={[m.attempts for m in after]}, "
        f"received={len(r.server.handler.received)}, distinct Message-IDs={len(set(r.server.handler.message_ids()))}"
    ))  # fmt: skip

    assert not r.server.handler.pending(), "the scripted fault never happened"
    # Before the message was offered (no connection, greeting) the fault says nothing about the
    # message: it waits without spending an attempt. Later faults spend one.
    relay_only = case.phase in (None, "greeting")
    assert faulted.status == "approved" and faulted.attempts == (0 if relay_only else 1)
    assert faulted.reason is not None
    assert faulted.reason.startswith(
        "waiting: the relay is not reachable" if relay_only else "retrying after"
    )
    assert case.reason.lower() in faulted.reason.lower()
    assert faulted.next_attempt_at is not None and faulted.next_attempt_at > NOW
    assert first["retry"] == 1 and first["failed"] == first["uncertain"] == 0
    if case.pauses:
        # Backed off for the run: nothing else was claimed, nothing reached the server.
        assert [m.attempts for m in others] == [0, 0] and received_first == 0 and first["sent"] == 0
        assert any("relay asked to pause" in e for e in first.get("errors", []))
    else:
        assert [m.status for m in others] == ["sent", "sent"] and received_first == 2
    assert second["sent"] == (3 if case.pauses else 1) and third["sent"] == 0
    assert [m.status for m in after] == ["sent"] * 3
    assert after[0].attempts == (1 if relay_only else 2) and outcomes == ["retry", "sent"]
    r.assert_delivered_once(after)
    # The retry carried the bytes stored before the first attempt: same Message-ID, same Date.
    retried = next(raw for raw in r.server.handler.received if message_id(raw) == faulted.message_id)
    assert faulted.raw is not None and retried == faulted.raw


# -- lost replies in DATA: "delivery uncertain", never re-sent automatically --------------------


@dataclass(frozen=True)
class Uncertain:
    tried: str
    phase: str
    action: str
    kept: int  # how many copies the server holds after the fault
    via: str


UNCERTAIN = [
    Uncertain("disconnect while the body is transmitted", "data", "drop_in_body", 0, "app"),
    Uncertain("disconnect after the final dot (message kept)", "data_end", "accept_drop", 1, "cli"),
    Uncertain("stall past the timeout after the final dot", "data_end", STALL, 1, "cli"),
]


@pytest.mark.parametrize("case", UNCERTAIN, ids=lambda c: c.tried.split(" (")[0].replace(" ", "_"))
def test_lost_reply_in_data_goes_to_review_and_is_never_resent(rig, reliability, case: Uncertain) -> None:
    """Once the body is on its way the relay may hold the message: a human decides, no automatic resend."""
    r = rig()
    ids = approved(r.app, 2)
    r.server.handler.on(case.phase, case.action)

    first = r.send(case.via, NOW)
    received_first = len(r.server.handler.received)
    r.send(case.via, NOW + HOUR)
    r.send("app", NOW + 8 * HOUR)
    with r.app.factory() as session, session.begin():  # the maintenance job's reaper leaves review alone
        MessageStore(session).reap_dead_leases(NOW + 9 * HOUR)
    r.send("app", NOW + 9 * HOUR)
    faulted, other = r.rows(ids)
    reliability("SMTP", case.tried, expected="review 'delivery uncertain', never re-sent", observed=(
        f"status={faulted.status}, attempts={faulted.attempts}, reason={faulted.reason!r}, "
        f"received after the fault={received_first}, after 3 later runs={len(r.server.handler.received)}, "
        f"next message={other.status}"
    ))  # fmt: skip

    assert not r.server.handler.pending(), "the scripted fault never happened"
    assert faulted.status == "review" and faulted.attempts == 1
    assert faulted.reason is not None and faulted.reason.startswith("delivery uncertain")
    assert first["uncertain"] == 1 and first["retry"] == first["failed"] == 0
    # The message after it goes out on a fresh connection in the same run, once.
    assert other.status == "sent" and other.attempts == 1 and first["sent"] == 1
    assert received_first == case.kept + 1
    assert len(r.server.handler.received) == case.kept + 1, "an uncertain message was sent again"
    on_wire = r.server.handler.message_ids()
    assert on_wire.count(faulted.message_id or "") == case.kept and on_wire.count(other.message_id or "") == 1
    assert [a.outcome for a in r.attempts(faulted.id)] == ["uncertain"]


# -- permanent refusals: failed at once; bounced only when the mailbox does not exist -----------


@dataclass(frozen=True)
class Permanent:
    tried: str
    phase: str | None  # None: aiosmtpd's own SIZE limit refuses the (enlarged) first message
    action: str
    code: str
    bounced: bool
    via: str


PERMANENT = [
    Permanent("552 message too big (SIZE limit at MAIL)", None, "", "552", False, "app"),
    Permanent(
        "552 5.3.4 message too big after the final dot",
        "data_end",
        "552 5.3.4 Message too big for system",
        "552 5.3.4",
        False,
        "cli",
    ),
    Permanent(
        "550 5.1.1 user unknown at RCPT",
        "rcpt",
        "550 5.1.1 <k0@example.com>: Recipient address rejected: User unknown",
        "550 5.1.1",
        True,
        "app",
    ),
    Permanent(
        "550 5.1.1 user unknown at RCPT (nurture send)",
        "rcpt",
        "550 5.1.1 User unknown",
        "550 5.1.1",
        True,
        "cli",
    ),
]


@pytest.mark.parametrize("case", PERMANENT, ids=lambda c: c.tried.replace(" ", "_"))
def test_permanent_refusal_fails_at_once(rig, reliability, case: Permanent) -> None:
    """A 5xx is final: no retry; only a bad mailbox marks the contact bounced and stops its planning."""
    limit = 8000
    r = rig(server_kwargs={"data_size_limit": limit} if case.phase is None else None)
    soon = (NOW + timedelta(days=3)).strftime("1980-%m-%d")
    ids = approved(r.app, 2, birthday=soon)
    if case.phase is None:
        with r.app.factory() as session, session.begin():
            big = "Dear Mr Berger,\n\n" + "A line that makes this message too big for the relay.\n" * 400
            session.execute(update(Message).where(Message.id == ids[0]).values(text=big))
    else:
        r.server.handler.on(case.phase, case.action)

    first = r.send(case.via, NOW)
    r.send(case.via, NOW + HOUR)
    faulted, other = r.rows(ids)
    bounced = r.contact(faulted.contact_id).bounced
    before = r.planned_for(faulted.contact_id), r.planned_for(other.contact_id)
    r.app.planner().run(NOW + HOUR)
    planned = r.planned_for(faulted.contact_id) - before[0], r.planned_for(other.contact_id) - before[1]
    reliability("SMTP", case.tried, expected=f"failed at once, contact {'' if case.bounced else 'NOT '}bounced",
                observed=(f"status={faulted.status}, attempts={faulted.attempts}, reason={faulted.reason!r}, "
                          f"bounced={bounced}, received={len(r.server.handler.received)}, "
                          f"planned afterwards for it={planned[0]} (for a control contact={planned[1]})"))  # fmt: skip

    assert not r.server.handler.pending(), "the scripted fault never happened"
    assert faulted.status == "failed" and faulted.attempts == 1
    assert faulted.reason is not None and case.code in faulted.reason
    assert bounced is case.bounced
    assert first["failed"] == 1 and first["retry"] == first["uncertain"] == 0
    assert other.status == "sent" and not r.contact(other.contact_id).bounced
    assert r.server.handler.message_ids() == [other.message_id], "the refused message was sent anyway"
    # Planning afterwards: the bounced address gets nothing; a merely refused message does not stop it.
    assert planned[1] >= 1, (
        "the control contact's birthday was not planned; the check below would prove nothing"
    )
    assert (planned[0] == 0) if case.bounced else (planned[0] >= 1)


# -- the relay refuses us, not the message: paused, the message waits without spending attempts -


@dataclass(frozen=True)
class Refusal:
    tried: str
    phase: str
    action: str
    code: str
    via: str


REFUSALS = [
    Refusal(
        "554 at greeting (no service for us)",
        "greeting",
        "554 5.7.1 No SMTP service for your address",
        "554",
        "cli",
    ),
    Refusal("535 at AUTH (credentials refused)", "auth", "refuse", "535", "app"),
    Refusal(
        "550 5.7.1 at MAIL (sender not allowed)",
        "mail",
        "550 5.7.1 Sender address rejected: not owned by user",
        "550 5.7.1",
        "app",
    ),
]


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.tried.split(" (")[0].replace(" ", "_"))
def test_relay_refusal_pauses_and_the_message_waits(rig, reliability, case: Refusal) -> None:
    """A refusal of the sender or its login would fail every message alike (EMAIL.md S4): the
    relay is paused for the run and the message waits, without spending an attempt, until the
    relay accepts again; then it is delivered once."""
    r = rig(server_kwargs={"with_auth": True}, NURTURE_SMTP__USERNAME="mailer", NURTURE_SMTP_PASSWORD="pw")
    ids = approved(r.app, 3)
    r.server.handler.on(case.phase, case.action)

    first = r.send(case.via, NOW)
    faulted, *others = r.rows(ids)
    received_first = len(r.server.handler.received)
    second = r.send(case.via, NOW + HOUR)
    after = r.rows(ids)
    reliability("SMTP", case.tried, expected="relay paused, message approved again (no attempt spent), later sent",
                observed=(f"run 1: status={faulted.status}, attempts={faulted.attempts}, reason={faulted.reason!r}, "
                          f"others untouched={sum(m.attempts == 0 for m in others)}, received={received_first}; "
                          f"later: statuses={[m.status for m in after]}, received={len(r.server.handler.received)}"))  # fmt: skip

    assert not r.server.handler.pending(), "the scripted fault never happened"
    assert faulted.status == "approved" and faulted.attempts == 0
    assert faulted.reason is not None and case.code in faulted.reason
    assert faulted.next_attempt_at is not None and faulted.next_attempt_at > NOW
    assert first["failed"] == 0 and first["sent"] == 0 and received_first == 0
    assert any("relay asked to pause" in e for e in first.get("errors", []))
    assert [m.attempts for m in others] == [0, 0]
    assert second["sent"] == 3 and [m.status for m in after] == ["sent"] * 3
    assert not any(r.contact(m.contact_id).bounced for m in after)
    r.assert_delivered_once(after)


# -- retries exhausted: failed with the reason after the configured number of attempts ---------


@dataclass(frozen=True)
class Exhausted:
    tried: str
    phase: str | None  # None: nothing ever listens
    action: str
    reason: str
    via: str


EXHAUSTED = [
    Exhausted(
        "retries exhausted: 451 after RCPT every time",
        "rcpt",
        "451 4.3.0 Temporary local problem",
        "451 4.3.0 Temporary local problem",
        "cli",
    ),
    Exhausted(
        "retries exhausted: disconnect after MAIL every time", "mail", "drop", "unexpected eof", "app"
    ),
]


@pytest.mark.parametrize("case", EXHAUSTED, ids=lambda c: c.tried.split(": ")[1].replace(" ", "_"))
def test_retries_exhausted_fail_with_the_reason(rig, reliability, case: Exhausted) -> None:
    """After `max_attempts` transient failures the message is failed, saying why; no further attempt."""
    attempts = 3
    r = rig(start=case.phase is not None, NURTURE_SMTP__MAX_ATTEMPTS=str(attempts))
    [mid] = approved(r.app, 1)
    if case.phase is not None:
        r.server.handler.on(case.phase, *[case.action] * (attempts + 1))  # one more than may be used

    states = []
    for run in range(attempts + 1):
        r.send(case.via, NOW + run * 2 * HOUR)
        [row] = r.rows([mid])
        states.append((row.status, row.attempts))
    left = r.server.handler.pending().get(case.phase or "", [])
    outcomes = [a.outcome for a in r.attempts(mid)]
    reliability("SMTP", case.tried, expected=f"failed after {attempts} attempts with the reply",
                observed=(f"status/attempts per run={states}, reason={row.reason!r}, "
                          f"received={len(r.server.handler.received)}, unused faults={len(left)}"))  # fmt: skip

    assert states == [("approved", 1), ("approved", 2), ("failed", 3), ("failed", 3)]
    assert row.reason is not None and row.reason.startswith(f"gave up after {attempts} attempts: ")
    assert case.reason.lower() in row.reason.lower()
    assert outcomes == ["retry"] * attempts
    assert not r.server.handler.received and not r.contact(row.contact_id).bounced
    if case.phase is not None:
        assert len(left) == 1, "a fourth attempt was made after the message had failed"


OUTAGES = [
    Exhausted(
        "relay outage: 421 at greeting on every run", "greeting", "421 4.3.2 Too busy", "421 4.3.2", "app"
    ),
    Exhausted("relay outage: connect refused on every run", None, "", "connect", "cli"),
]


@pytest.mark.parametrize(
    "case", OUTAGES, ids=lambda c: c.tried.split(": ")[1].split(" on")[0].replace(" ", "_")
)
def test_relay_outage_spends_no_attempts_and_delivers_once_it_is_back(
    rig, reliability, case: Exhausted
) -> None:
    """A relay that is down for many runs must not fail what was approved: nothing was offered yet."""
    attempts, runs = 3, 5
    r = rig(start=case.phase is not None, NURTURE_SMTP__MAX_ATTEMPTS=str(attempts))
    [mid] = approved(r.app, 1)
    if case.phase is not None:
        r.server.handler.on(case.phase, *[case.action] * runs)

    states = []
    for run in range(runs):
        r.send(case.via, NOW + run * 2 * HOUR)
        [row] = r.rows([mid])
        states.append((row.status, row.attempts))
    waiting_reason = row.reason
    if case.phase is None:
        r.server.start()  # the relay comes back
    back = r.send(case.via, NOW + runs * 2 * HOUR)
    [final] = r.rows([mid])
    reliability("SMTP", case.tried, expected=f"waits without spending attempts ({runs} runs > {attempts} attempts), "
                "then sent once", observed=(f"status/attempts per run={states}, reason={waiting_reason!r}; "
                f"relay back: status={final.status}, attempts={final.attempts}, "
                f"received={len(r.server.handler.received)}"))  # fmt: skip

    assert states == [("approved", 0)] * runs
    assert waiting_reason is not None and waiting_reason.startswith("waiting: the relay is not reachable")
    assert case.reason.lower() in waiting_reason.lower()
    assert back["sent"] == 1 and final.status == "sent" and final.attempts == 1
    r.assert_delivered_once([final])
