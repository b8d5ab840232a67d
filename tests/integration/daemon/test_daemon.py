"""`nurture run` as a real process: sends on schedule, stops cleanly, survives bad config edits."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nurture.adapters.db.tables import Message, Run

from ..delivery.conftest import ROOT, approved_messages, make_app


def start_daemon(config: Path, env: dict[str, str], *args: str, log: Path | None = None) -> subprocess.Popen:
    err = log.open("w") if log is not None else subprocess.PIPE
    return subprocess.Popen(
        [sys.executable, "-m", "nurture", "--config", str(config), "run", *args],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=err, text=True,
    )  # fmt: skip


def wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped config and templates that a test may edit."""
    cfg_dir = tmp_path / "config"
    shutil.copytree(ROOT / "config", cfg_dir)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return cfg_dir / "nurture.toml"


def daemon_env(db_url: str, port: int) -> dict[str, str]:
    return {
        "NURTURE_DATABASE__URL": db_url,
        "NURTURE_SMTP__HOST": "127.0.0.1",
        "NURTURE_SMTP__PORT": str(port),
        "NURTURE_SCHEDULE__SEND_EVERY": "1s",
        "NURTURE_SCHEDULE__MAINTENANCE_EVERY": "1s",
        "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
        "NURTURE_NOW": "2026-11-23T10:00:00+01:00",
        "NURTURE_SCHEDULE__DIGEST_TO": "[]",
    }


def sent_count(app) -> int:
    with app.factory() as session:
        return session.scalar(select(func.count(Message.id)).where(Message.status == "sent"))


def test_daemon_sends_and_stops_cleanly(db_url, smtp, config_copy):
    handler, port = smtp
    app = make_app(db_url, port)
    approved_messages(app, 5)
    proc = start_daemon(config_copy, daemon_env(db_url, port))
    try:
        assert wait_for(lambda: sent_count(app) == 5), proc.stderr.read() if proc.poll() is not None else ""
        with app.factory() as session:
            assert session.scalar(select(func.count(Run.id)).where(Run.kind == "plan")) >= 1
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(handler.received) == 5


def test_bad_config_edit_is_rejected_and_daemon_keeps_running(db_url, smtp, config_copy):
    handler, port = smtp
    app = make_app(db_url, port)
    log = config_copy.parent / "daemon.log"
    proc = start_daemon(config_copy, daemon_env(db_url, port), log=log)
    try:
        assert wait_for(lambda: "running" in log.read_text())
        text = config_copy.read_text(encoding="utf-8")
        config_copy.write_text(text.replace('A = "21d"', 'A = "3 weeks"'), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "still running on the last good one" in log.read_text())
        assert proc.poll() is None, "the daemon must keep running on the last good config"
        approved_messages(app, 2, prefix="later")
        assert wait_for(lambda: sent_count(app) == 2)
        config_copy.write_text(text.replace('A = "21d"', 'A = "14d"'), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "configuration reloaded" in log.read_text())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        err = log.read_text()
        assert "Traceback" not in err
        assert 'A = "3 weeks" is not a duration; write it like "21d"' in err
        assert "still running on the last good one" in err
        assert "configuration reloaded" in err.split("still running on the last good one", 1)[1]
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.postgres
def test_two_daemons_on_postgres_send_each_message_once(pg_url, smtp, config_copy):
    handler, port = smtp
    app = make_app(pg_url, port)
    approved_messages(app, 60)
    env = daemon_env(pg_url, port)
    procs = [start_daemon(config_copy, env), start_daemon(config_copy, env)]
    try:
        assert wait_for(lambda: sent_count(app) == 60, timeout=40)
        for p in procs:
            p.send_signal(signal.SIGTERM)
        assert [p.wait(timeout=10) for p in procs] == [0, 0]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert len(handler.received) == 60 == len(set(handler.received))
    with app.factory() as session:
        workers = set(session.scalars(select(Run.worker).where(Run.kind == "send")))
    assert len(workers) >= 1


def test_sigterm_mid_batch_exits_quickly_and_a_restart_sends_nothing_twice(db_url, smtp, config_copy):
    handler, port = smtp
    app = make_app(db_url, port)
    approved_messages(app, 80)
    env = {**daemon_env(db_url, port), "NURTURE_SMTP__MAX_PER_MINUTE": "1200"}  # 20 a second: a long batch
    proc = start_daemon(config_copy, env)
    try:
        assert wait_for(lambda: sent_count(app) >= 10)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
    stopped_at = sent_count(app)
    assert stopped_at < 80, "the batch was still running when the daemon was stopped"
    with app.factory() as session:
        assert session.scalar(select(func.count(Message.id)).where(Message.status == "sending")) == 0
    proc = start_daemon(config_copy, env)
    try:
        assert wait_for(lambda: sent_count(app) == 80, timeout=30)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(handler.received) == 80 == len(set(handler.received))
