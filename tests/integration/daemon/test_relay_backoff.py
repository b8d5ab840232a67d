"""The daemon and a relay that keeps refusing us: warned once with the fix, runs pause longer and longer.

A wrong password fails every send run alike; trying it on every tick (with every connection)
risks the provider locking the account. So the pause between send runs doubles from
send_every up to 15 minutes while the relay refuses (AUTH, TLS, unreachable), a run in the
pause tries one connection only, the warning comes once per problem, `nurture status` shows
it, and a run that gets through brings the normal pace back.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from nurture.adapters.db.tables import Message, Run
from nurture.entrypoints.cli import cli
from nurture.entrypoints.daemon import RELAY_PAUSE_CAP, Daemon, RelayBackoff, relay_pause
from nurture.usecases.relay_trouble import explain

from ..delivery.conftest import ROOT, approved_messages, make_app
from ..relays import USER, running_relay

MINUTE = timedelta(minutes=1)


def test_the_pause_doubles_from_send_every_up_to_fifteen_minutes():
    pauses, pause = [], None
    for _ in range(6):
        pause = relay_pause(pause, MINUTE)
        pauses.append(pause)
    assert pauses == [2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 15 * MINUTE, 15 * MINUTE, 15 * MINUTE]
    assert RELAY_PAUSE_CAP == 15 * MINUTE
    assert relay_pause(None, timedelta(seconds=20)) == timedelta(seconds=40)
    assert relay_pause(None, timedelta(minutes=30)) == timedelta(minutes=30), "never shorter than send_every"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_pauses_warns_once_and_resets_when_the_relay_takes_mail():
    clock = FakeClock()
    backoff = RelayBackoff(clock=clock)
    settings = make_settings()
    login = explain("relay asked to pause: 535 5.7.8 Authentication credentials invalid", settings)
    assert backoff.due(MINUTE) and not backoff.active

    assert backoff.refused(MINUTE) == 2 * MINUTE
    assert backoff.fresh([login]) == [login]
    assert not backoff.due(MINUTE)
    clock.now += 60
    assert not backoff.due(MINUTE), "one tick later: still paused"
    clock.now += 60
    assert backoff.due(MINUTE)
    assert backoff.refused(MINUTE) == 4 * MINUTE
    assert backoff.fresh([login]) == [], "the same problem is warned about once"
    clock.now += 4 * 60 - 0.2  # the scheduler's tick may come a little early
    assert backoff.due(MINUTE)

    assert backoff.accepted() is True
    assert backoff.due(MINUTE) and not backoff.active
    assert backoff.fresh([login]) == [login], "after a recovery the same problem is news again"
    assert RelayBackoff().accepted() is False


def test_relay_problems_are_explained_with_the_fix():
    settings = make_settings()
    cases = {
        "relay asked to pause: 535 5.7.8 Authentication credentials invalid": ("login", "NURTURE_SMTP_PASSWORD"),
        "relay asked to pause: TLS failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to "
        "get local issuer certificate (_ssl.c:1006)": ("certificate", "SSL_CERT_FILE"),
        "relay asked to pause: TLS failed: [SSL: WRONG_VERSION_NUMBER] wrong version number": ("tls", "[smtp] security"),
        "relay asked to pause: Error connecting to 127.0.0.1 on port 1: [Errno 111] Connect call failed "
        "('127.0.0.1', 1)": ("unreachable", "[smtp] host and port"),
        "relay asked to pause: 421 4.3.2 Service not available, closing channel": ("busy", "the messages wait"),
        "relay asked to pause: 550 5.4.5 Daily user sending limit exceeded": ("limit", "max_per_minute"),
        "relay asked to pause: 554 5.7.1 <x@example.com>: Relay access denied": ("refused", "[sender] email"),
        "relay asked to pause: 530 5.7.0 Authentication required": ("login", "[smtp] username"),
        "relay asked to pause: 127.0.0.1:1025 does not offer STARTTLS; refusing to continue without TLS":
            ("tls", '"starttls"'),
    }  # fmt: skip
    for error, (kind, fix) in cases.items():
        trouble = explain(error, settings)
        assert trouble is not None, error
        assert trouble.kind == kind, error
        assert fix in trouble.fix, (error, trouble.fix)
    assert explain("the relay accepted message(s) 4 after this sender's claim had run out", settings) is None


def make_settings():
    from nurture.settings import load_settings

    return load_settings(ROOT / "config" / "nurture.toml",
                         environ={"NURTURE_SMTP__USERNAME": USER, "NURTURE_SMTP_PASSWORD": "x"})  # fmt: skip


def test_daemon_backs_off_a_relay_that_refuses_the_login_and_says_so_once(db_url, caplog):
    with running_relay(with_auth=True) as relay:
        app = make_app(db_url, relay.port, NURTURE_SMTP__USERNAME=USER, NURTURE_SMTP_PASSWORD="not-the-password",
                       NURTURE_SMTP__MAX_PER_MINUTE="0")  # fmt: skip
        approved_messages(app, 12)
        daemon = Daemon(ROOT / "config" / "nurture.toml", app.clock, app)
        clock = FakeClock()
        daemon.backoff.clock = clock
        every = app.settings.schedule.send_every
        assert every == MINUTE

        async def ticks() -> list[int]:
            logins = []  # connections that tried to log in, after each tick
            await daemon.send_job()  # refused: each connection of the run tried the login
            logins.append(len(relay.login_peers))
            await daemon.send_job()  # the next tick, in the pause: no connection at all
            logins.append(len(relay.login_peers))
            clock.now += 2 * 60
            await daemon.send_job()  # the pause is over: one connection
            logins.append(len(relay.login_peers))
            clock.now += 2 * 60
            await daemon.send_job()  # four minutes of pause now: skipped
            logins.append(len(relay.login_peers))
            clock.now += 2 * 60
            relay.accept_any_login = True  # the password was fixed at the provider
            await daemon.send_job()
            logins.append(len(relay.login_peers))
            return logins

        with caplog.at_level(logging.INFO, logger="nurture.daemon"):
            logins = asyncio.run(ticks())

    first = logins[0]
    assert 1 <= first <= app.settings.smtp.concurrency
    assert logins[1:4] == [first, first + 1, first + 1], logins
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    refused = [w for w in warnings if "the relay refused the login" in w]
    assert len(refused) == 1, warnings
    assert "NURTURE_SMTP_PASSWORD" in refused[0] and "535 5.7.8" in refused[0]
    assert "next send run is in 2 min" in refused[0]
    assert any("sending stopped again" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)
    assert any("the relay takes messages again" in w for w in warnings)
    assert not daemon.backoff.active
    with app.factory() as session:
        assert session.scalar(select(func.count()).select_from(Message).where(Message.status == "sent")) > 0
        errors = list(session.scalars(select(Run.error).where(Run.kind == "send").order_by(Run.id)))
    assert errors[0] and "the relay refused the login" in errors[0] and "sending paused for 2 min" in errors[0]
    assert errors[-1] is None, "the run that got through records no error"


def test_status_shows_the_relay_problem_of_the_last_send_run(db_url, tmp_path: Path):
    port = 1  # nobody listens on port 1 of 127.0.0.1
    app = make_app(db_url, port)
    approved_messages(app, 2)
    daemon = Daemon(ROOT / "config" / "nurture.toml", app.clock, app)
    asyncio.run(daemon.send_job())
    assert daemon.backoff.active

    env = {"NURTURE_DATABASE__URL": db_url, "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
           "NURTURE_NOW": "", "NURTURE_CONFIG": ""}  # fmt: skip
    result = CliRunner().invoke(cli, ["--config", str(ROOT / "config" / "nurture.toml"), "status"], env=env)
    assert result.exit_code == 0, result.output
    assert "error: the relay at 127.0.0.1:1 cannot be reached" in result.stdout
    assert "check [smtp] host and port (127.0.0.1:1)" in result.stdout
    with app.factory() as session:
        assert session.scalar(select(func.count()).select_from(Message).where(Message.status == "approved")) == 2
