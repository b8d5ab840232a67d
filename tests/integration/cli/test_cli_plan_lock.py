"""`nurture plan` next to a daemon on one PostgreSQL database: one plan run at a time.

A daemon plans under a PostgreSQL advisory lock; a `nurture plan` typed while it works waits
for it (and says so) instead of deciding every contact a second time beside it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import create_engine, func, select, text

from nurture.adapters.db.engine import PLAN_LOCK, plan_lock
from nurture.adapters.db.tables import Message

from .conftest import SAMPLE, Nurture

pytestmark = pytest.mark.postgres


def _waiting_for_advisory_lock(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
            )).scalar() or 0)  # fmt: skip
    finally:
        engine.dispose()


def _messages(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Message)).scalar() or 0)
    finally:
        engine.dispose()


def test_cli_plan_waits_for_a_plan_run_holding_the_lock(pg_url: str, outbox: tuple[Path, int]) -> None:
    env = {"NURTURE_DATABASE__URL": pg_url, "NURTURE_SMTP__PORT": str(outbox[1]), "NURTURE_SMTP__HOST": "127.0.0.1",
           "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef", "NURTURE_NOW": "", "NURTURE_CONFIG": ""}  # fmt: skip
    nurture = Nurture(env, "2026-11-23T07:00:00+01:00")
    nurture("init")
    nurture("import", str(SAMPLE))

    daemon = create_engine(pg_url)  # stands for a daemon in the middle of its plan run
    results: list[Result] = []
    try:
        with plan_lock(daemon) as held:
            assert held
            with plan_lock(create_engine(pg_url)) as second:  # a second daemon only tries, and skips
                assert not second
            runner = threading.Thread(target=lambda: results.append(nurture("plan")), daemon=True)
            runner.start()
            deadline = time.monotonic() + 20
            while not _waiting_for_advisory_lock(pg_url):
                assert time.monotonic() < deadline, "`nurture plan` never waited for the lock"
                time.sleep(0.05)
            time.sleep(0.3)
            assert runner.is_alive() and _messages(pg_url) == 0  # nothing planned beside the running plan
        runner.join(60)
        assert not runner.is_alive()
    finally:
        daemon.dispose()
    [result] = results
    assert result.exit_code == 0
    assert "waiting for it to finish" in result.stderr
    assert _messages(pg_url) > 0
    # The lock is free again once the command is done.
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PLAN_LOCK}).scalar()
    finally:
        engine.dispose()
