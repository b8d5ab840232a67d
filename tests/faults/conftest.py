"""Shared helpers for the fault suite: real `nurture` processes, a counting SMTP server, tallies.

Every fault test judges the outcome the same way: per Message-ID, how often the SMTP server
received it, and the status the database holds. `tally` turns both into the two numbers that
must be zero (duplicates, lost) plus the counts the reliability report shows.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from integration.conftest import ScriptedHandler, free_port
from integration.daemon.test_daemon import config_copy, daemon_env  # noqa: F401  (fixture and env reused)
from integration.delivery.conftest import approved_messages, make_app  # noqa: F401  (reused by the tests)
from sqlalchemy import select

from nurture.adapters.db.tables import Message

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the instant `make_app` and `daemon_env` use
LEASE_GAP = timedelta(minutes=6)  # more than the dispatcher's 5-minute lease
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


@dataclass
class Mailbox:
    """The SMTP server's side of the story: which Message-IDs arrived, how often."""

    handler: ScriptedHandler
    port: int

    def ids(self) -> list[str]:
        with self.handler.lock:
            raw = list(self.handler.received)
        found = []
        for data in raw:
            m = _MESSAGE_ID.search(data)
            found.append(m.group(1).decode() if m else "<none>")
        return found

    def count(self) -> int:
        with self.handler.lock:
            return len(self.handler.received)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real aiosmtpd server on loopback that accepts everything and remembers it."""
    handler = ScriptedHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield Mailbox(handler, port)
    finally:
        controller.stop()


def at(offset: timedelta) -> str:
    """A NURTURE_NOW value `offset` after the test's start instant."""
    return (START + offset).isoformat()


def fault_env(
    db_url: str, port: int, *, now: timedelta = timedelta(0), per_minute: int = 3000
) -> dict[str, str]:
    """The daemon's test environment with a fast rate and a clock `now` after the start instant."""
    return {
        **daemon_env(db_url, port),
        "NURTURE_NOW": at(now),
        "NURTURE_SMTP__MAX_PER_MINUTE": str(per_minute),
        "NURTURE_SCHEDULE__PLAN_EVERY": "1h",
    }


def spawn(config: Path, env: dict[str, str], command: str, log: Path) -> subprocess.Popen[str]:
    """`python -m nurture --config CONFIG COMMAND` as a real process; stderr goes to `log` (appended)."""
    with log.open("a") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "nurture", "--config", str(config), command],
            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=err, text=True,
        )  # fmt: skip


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def stop(proc: subprocess.Popen[str], timeout: float = 15.0) -> int:
    """SIGTERM and wait; SIGKILL if it does not stop in time (then the test fails on the code)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return -9
    return proc.returncode


def kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def statuses(app) -> dict[str, int]:  # noqa: ANN001
    with app.factory() as session:
        rows = session.execute(select(Message.status, Message.id))
        return dict(collections.Counter(status for status, _ in rows))


def open_work(app) -> int:  # noqa: ANN001
    """Messages still to be dealt with: approved (to send) or sending (claimed)."""
    counts = statuses(app)
    return counts.get("approved", 0) + counts.get("sending", 0)


@dataclass
class Tally:
    approved: int
    received: int
    distinct: int
    duplicates: int
    lost: int
    sent: int
    review: int
    review_uncertain: int
    failed: int
    unfinished: int
    review_received: int

    def __str__(self) -> str:
        return (f"{self.approved} approved: {self.distinct} distinct received ({self.received} deliveries), "
                f"{self.duplicates} duplicates, {self.lost} lost, {self.sent} sent, {self.review} in review "
                f"({self.review_uncertain} 'delivery uncertain', {self.review_received} of them had arrived), "
                f"{self.failed} failed, {self.unfinished} still approved/sending")  # fmt: skip


def tally(app, mailbox: Mailbox, ids: list[int]) -> Tally:  # noqa: ANN001
    """Duplicates: a Message-ID received more than once. Lost: neither received nor in review/failed."""
    wire = collections.Counter(mailbox.ids())
    with app.factory() as session:
        rows = list(session.execute(select(Message.message_id, Message.status, Message.reason)
                                    .where(Message.id.in_(ids))))  # fmt: skip
    by_status = collections.Counter(status for _, status, _ in rows)
    lost = sum(1 for mid, status, _ in rows if wire[mid] == 0 and status not in ("review", "failed"))
    uncertain = sum(
        1 for _, status, reason in rows if status == "review" and "delivery uncertain" in (reason or "")
    )
    review_received = sum(1 for mid, status, _ in rows if status == "review" and wire[mid])
    return Tally(
        approved=len(rows), received=sum(wire.values()), distinct=len(wire),
        duplicates=sum(n - 1 for n in wire.values() if n > 1), lost=lost, sent=by_status["sent"],
        review=by_status["review"], review_uncertain=uncertain, failed=by_status["failed"],
        unfinished=by_status["approved"] + by_status["sending"], review_received=review_received,
    )  # fmt: skip
