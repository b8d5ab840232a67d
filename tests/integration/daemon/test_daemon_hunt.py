"""`nurture run` as an operator meets it: bad starts, database outages, reloads, the approval page, secrets.

Each start that cannot work must end at once with exit 1 and one plain line saying what to fix;
trouble while running must leave one plain line and the next run; a reload must neither put
the schedule off nor leave the approval page on the old config; no password ever reaches a log.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nurture.clock import FixedClock, SystemClock
from nurture.entrypoints import logs
from nurture.entrypoints.app import App
from nurture.entrypoints.daemon import Daemon, watched_mtime
from nurture.settings import load_settings

from ..conftest import free_port
from ..delivery.conftest import make_app
from . import test_daemon
from .test_daemon import daemon_env

config_copy = test_daemon.config_copy  # the fixture: a private copy of config and templates


SECRET_ENV = {"NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef", "NURTURE_SCHEDULE__DIGEST_TO": "[]"}


def run_until_exit(config: Path, env: dict[str, str], *args: str, timeout: float = 20.0) -> tuple[int, str]:
    """Start `nurture run` and wait for it to end by itself; (exit code, stderr)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "nurture", "--config", str(config), "run", *args],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=15)
        pytest.fail(f"the daemon kept running although it could not work:\n{err}")
    return proc.returncode, err


def in_process_daemon(config: Path, environ: dict[str, str], *, with_web: bool = False) -> Daemon:
    settings = load_settings(config, environ={**SECRET_ENV, **environ})
    return Daemon(config, SystemClock(), App(settings, SystemClock()), with_web=with_web)


# -- starts that cannot work -----------------------------------------------------------------
def test_unreadable_now_ends_the_start_with_a_plain_message(db_url, smtp, config_copy):
    _handler, port = smtp
    make_app(db_url, port)
    code, err = run_until_exit(config_copy, {**daemon_env(db_url, port), "NURTURE_NOW": "next tuesday"})
    assert code == 1, err
    assert "Traceback" not in err
    assert "'next tuesday' is not an ISO-8601 date or time; write it like 2026-03-14T09:00" in err
    assert "the daemon did not start" in err


def test_unreachable_database_at_start_is_named_not_blamed_on_init(config_copy):
    url = f"postgresql+psycopg://nurture:db-pass-4711@127.0.0.1:{free_port()}/nurture"
    code, err = run_until_exit(config_copy, {**daemon_env(url, 25), "NURTURE_DATABASE__URL": url})
    assert code == 1, err
    assert "the database server cannot be reached" in err, err
    assert "nurture init" not in err, "the server is down; `nurture init` cannot help"
    assert "db-pass-4711" not in err
    assert "Traceback" not in err


def test_database_url_password_stays_out_of_the_log_of_a_rejected_config(config_copy):
    url = "mysql://nurture:db-pass-4711@127.0.0.1:3306/nurture"
    code, err = run_until_exit(config_copy, {**daemon_env(url, 25), "NURTURE_DATABASE__URL": url})
    assert code == 1, err
    assert "is not a database nurture works with" in err
    assert "db-pass-4711" not in err
    assert "mysql://nurture:***@127.0.0.1:3306/nurture" in err


def test_approval_page_port_taken_ends_the_start_with_exit_1(db_url, smtp, config_copy):
    _handler, port = smtp
    make_app(db_url, port)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        web = taken.getsockname()[1]
        env = {**daemon_env(db_url, port), "NURTURE_WEB__BIND": f"127.0.0.1:{web}", "NURTURE_WEB_PASSWORD": "pw-1234"}
        code, err = run_until_exit(config_copy, env, "--web")
    assert code == 1, err  # was 3, the exit code of `check-text`, after a traceback
    assert "Traceback" not in err
    assert f"the approval page could not listen on 127.0.0.1:{web}" in err
    assert "Change [web] bind" in err
    assert "running" not in err, "no work may start when the page promised by --web cannot be served"


def test_approval_page_without_password_ends_the_start_instead_of_running_without_it(db_url, smtp, config_copy):
    _handler, port = smtp
    make_app(db_url, port)
    env = {**daemon_env(db_url, port), "NURTURE_WEB__BIND": f"127.0.0.1:{free_port()}", "NURTURE_WEB_PASSWORD": ""}
    code, err = run_until_exit(config_copy, env, "--web", timeout=10)
    assert code == 1, err
    assert "the approval page needs a password: set NURTURE_WEB_PASSWORD" in err
    assert "approval page on http" not in err


# -- trouble while running -------------------------------------------------------------------
def test_database_outage_in_plan_and_digest_is_one_plain_line(config_copy, caplog):
    """The database goes away: the jobs log one line each and return, ready for their next run."""
    url = f"postgresql+psycopg://nurture:db-pass-4711@127.0.0.1:{free_port()}/nurture"
    environ = {"NURTURE_DATABASE__URL": url, "NURTURE_SCHEDULE__DIGEST_TO": '["jana@example.com"]'}
    # 10:00 in Berlin, after the 08:00 digest time: the digest is due whatever time the suite runs at.
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    daemon = Daemon(config_copy, clock, App(load_settings(config_copy, environ={**SECRET_ENV, **environ}), clock))

    async def jobs() -> None:
        await daemon.plan_job()  # raised before: the scheduler logged a traceback
        await daemon.maintenance_job()

    with caplog.at_level(logging.INFO):
        asyncio.run(jobs())
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    messages = [r.getMessage() for r in errors]
    assert any(m.startswith("plan run failed: the database server cannot be reached") for m in messages), messages
    assert any(m.startswith("digest failed: the database server cannot be reached") for m in messages), messages
    assert not [r for r in errors if r.exc_info], "expected trouble gets a line, not a traceback"


# -- reloads ---------------------------------------------------------------------------------
def test_reload_keeps_next_runs_unless_the_interval_changes(db_url, config_copy):
    """A SIGHUP every hour (logrotate) with `plan_every = 2h` must not put planning off for ever."""
    make_app(db_url, 25)
    env = {"NURTURE_DATABASE__URL": db_url, "NURTURE_SCHEDULE__PLAN_EVERY": "2h"}

    async def scenario() -> None:
        daemon = in_process_daemon(config_copy, env)
        daemon._schedule()
        daemon.scheduler.start(paused=True)
        try:
            due = {job.id: job.next_run_time for job in daemon.scheduler.get_jobs()}
            await asyncio.sleep(0.05)
            daemon._schedule()  # what a reload with the same schedule does
            assert {job.id: job.next_run_time for job in daemon.scheduler.get_jobs()} == due
            settings = load_settings(config_copy, environ={**SECRET_ENV, **env, "NURTURE_SCHEDULE__PLAN_EVERY": "5m"})
            daemon.app = App(settings, SystemClock())
            daemon._schedule()
            plan = daemon.scheduler.get_job("plan")
            assert plan.trigger.interval == timedelta(minutes=5)
            assert plan.next_run_time != due["plan"]
            assert daemon.scheduler.get_job("send").next_run_time == due["send"]
        finally:
            daemon.scheduler.shutdown(wait=False)

    asyncio.run(scenario())


def test_file_put_back_with_an_older_time_or_a_deleted_template_is_noticed(db_url, config_copy):
    """`cp -p backup.toml nurture.toml` or `rsync -a` keep an old mtime; the newest file elsewhere stays the same."""
    env = {"NURTURE_DATABASE__URL": db_url}
    app = App(load_settings(config_copy, environ={**SECRET_ENV, **env}), SystemClock())
    newest = max(p.stat().st_mtime for p in app.settings.templates_dir.rglob("*"))
    os.utime(config_copy, (newest - 100, newest - 100))
    before = watched_mtime(app)
    config_copy.write_text(config_copy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    os.utime(config_copy, (newest - 50, newest - 50))
    assert watched_mtime(app) != before, "an edit carrying an older time went unnoticed"
    before = watched_mtime(app)
    oldest = min((p for p in app.settings.templates_dir.rglob("*") if p.is_file()), key=lambda p: p.stat().st_mtime)
    oldest.unlink()
    assert watched_mtime(app) != before, "a deleted template went unnoticed"


@pytest.mark.slow
def test_reload_reaches_the_approval_page_and_not_a_stopping_daemon(tmp_path, smtp, config_copy):
    """The page approves and previews with the reloaded config; a reload ending during a stop switches nothing.

    Slow: each reload checks every template as `nurture check` does (several seconds).
    """
    _handler, port = smtp
    db_url = f"sqlite:///{tmp_path / 'nurture.db'}"
    make_app(db_url, port)
    env = {**daemon_env(db_url, port), "NURTURE_WEB__BIND": f"127.0.0.1:{free_port()}", "NURTURE_WEB_PASSWORD": "pw-1234"}
    env.pop("NURTURE_NOW")
    old = os.environ.copy()
    os.environ.update(env)  # the reload reads the config as `nurture check` does, environment included
    try:

        async def scenario() -> None:
            daemon = in_process_daemon(config_copy, env, with_web=True)
            daemon._web_task = await daemon._start_web()
            try:
                text = config_copy.read_text(encoding="utf-8")
                config_copy.write_text(text.replace('A = "21d"', 'A = "14d"'), encoding="utf-8")
                assert await daemon.reload("test")
                assert daemon.app.settings.cadence.A == timedelta(days=14)
                assert daemon._site.app is daemon.app, "the approval page still works with the old config"
                daemon.stopping.set()
                config_copy.write_text(text, encoding="utf-8")
                assert not await daemon.reload("test")
                assert daemon.app.settings.cadence.A == timedelta(days=14)
            finally:
                daemon.stopping.set()
                daemon._web_server.should_exit = True
                await asyncio.wait_for(daemon._web_task, timeout=5)

        asyncio.run(scenario())
    finally:
        os.environ.clear()
        os.environ.update(old)


# -- secrets ---------------------------------------------------------------------------------
def test_log_lines_and_tracebacks_never_show_a_secret():
    logs.hide_secrets("smtp-pass-4711", b"web-key-0815-abcdef")
    logger = logging.getLogger("nurture.test.secrets")
    for formatter in (logs.TextFormatter(), logs.JsonFormatter()):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        logger.addHandler(handler)
        try:
            try:
                raise RuntimeError("login to postgresql+psycopg://nurture:db-pass-4711@db/nurture failed "
                                   "with smtp-pass-4711")  # fmt: skip
            except RuntimeError:
                logger.exception("relay said no to smtp-pass-4711 (key web-key-0815-abcdef)",
                                 extra={"fields": {"url": "sqlite://u:db-pass-4711@x/y"}})  # fmt: skip
        finally:
            logger.removeHandler(handler)
        out = stream.getvalue()
        assert "RuntimeError" in out
        for secret in ("smtp-pass-4711", "web-key-0815-abcdef", "db-pass-4711"):
            assert secret not in out, (formatter, out)
        assert "postgresql+psycopg://nurture:***@db/nurture" in out
