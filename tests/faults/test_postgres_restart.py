"""PostgreSQL restarted under a sending daemon: it reconnects and finishes, nothing twice, nothing lost.

Other test runs share the machine's PostgreSQL, so this test never touches it: it creates a
private throw-away cluster on a free loopback port, restarts that one, and drops it afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.conftest import free_port
from sqlalchemy.exc import OperationalError

from nurture.adapters.db.engine import DatabaseProblem

from .conftest import Mailbox, approved_messages, fault_env, make_app, open_work, spawn, stop, tally, wait_for

POSTGRES = os.environ.get("NURTURE_TEST_POSTGRES", "")
BATCH = 600


def _version() -> str | None:
    root = Path("/usr/lib/postgresql")
    versions = (
        sorted((p.name for p in root.iterdir() if (p / "bin" / "postgres").exists()), key=float)
        if root.is_dir()
        else []
    )
    return versions[-1] if versions else None


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60)


@pytest.fixture
def private_postgres() -> Iterator[tuple[str, str, str]]:
    """A throw-away cluster of its own, on 127.0.0.1 only; yields (url, version, name) and drops it."""
    if not POSTGRES:
        pytest.skip("set NURTURE_TEST_POSTGRES to run the PostgreSQL tests")
    version = _version()
    if (
        version is None
        or not shutil.which("pg_createcluster")
        or not shutil.which("pg_ctlcluster")
        or os.geteuid() != 0
    ):
        pytest.skip(
            "a private PostgreSQL cluster needs root and pg_createcluster/pg_ctlcluster (postgresql-common)"
        )
    name, port = f"nurture_fault_{uuid.uuid4().hex[:8]}", free_port()
    try:
        _run("pg_createcluster", version, name, "-p", str(port), "--", "--auth=trust")
        conf = Path("/etc/postgresql") / version / name / "conf.d" / "nurture_fault.conf"
        conf.write_text("listen_addresses = '127.0.0.1'\nfsync = off\n", encoding="utf-8")
        _run("pg_ctlcluster", version, name, "start")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", version, name
    finally:
        subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True, timeout=60)


def safely(predicate):  # noqa: ANN001, ANN201
    """The test's own queries fail while the server is down; that is not the answer yet."""

    def check() -> bool:
        try:
            return bool(predicate())
        except (OperationalError, DatabaseProblem):
            return False

    return check


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_restart_while_daemon_sends(private_postgres, mailbox: Mailbox, config_copy: Path, tmp_path: Path,
                                             reliability) -> None:  # fmt: skip
    """A fast restart, then a stop of 3 seconds and a start, both in the middle of one batch."""
    url, version, name = private_postgres
    app = make_app(url, mailbox.port)
    ids = approved_messages(app, BATCH)
    log = tmp_path / "daemon.log"
    started = time.monotonic()
    proc = spawn(config_copy, fault_env(url, mailbox.port), "run", log)
    try:
        assert wait_for(lambda: mailbox.count() >= BATCH // 5 or proc.poll() is not None, timeout=60)
        at_restart = mailbox.count()
        _run("pg_ctlcluster", version, name, "restart", "-m", "fast")
        assert wait_for(
            lambda: mailbox.count() >= at_restart + BATCH // 5 or proc.poll() is not None, timeout=60
        )
        at_stop = mailbox.count()
        _run("pg_ctlcluster", version, name, "stop", "-m", "fast")
        time.sleep(3)
        during_outage = mailbox.count() - at_stop
        _run("pg_ctlcluster", version, name, "start")
        finished = wait_for(safely(lambda: open_work(app) == 0), timeout=90, every=0.2)
        alive = proc.poll() is None
        time.sleep(0.5)
    finally:
        code = stop(proc)
    seconds = time.monotonic() - started
    t = tally(app, mailbox, ids)
    text = log.read_text()
    reliability(
        "database", f"PostgreSQL restarted (fast) and later stopped for 3 s while `nurture run` sent {BATCH} messages",
        expected="the daemon stays up, reconnects and finishes; no Message-ID twice, none lost",
        observed=f"{t}; restart after {at_restart} received, stop after {at_stop}, {during_outage} arrived during "
        f"the outage; daemon {'up' if alive else 'gone'} at the end, exit {code}; {seconds:.0f}s",
    )  # fmt: skip
    assert alive, text[-3000:]
    assert finished, f"{t}\n{text[-3000:]}"
    assert code == 0
    assert t.duplicates == 0, t
    assert t.lost == 0, t
    assert t.unfinished == 0, t
    assert t.review == t.review_uncertain, t
    assert t.distinct + t.review - t.review_received == BATCH, t
