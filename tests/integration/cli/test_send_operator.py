"""`nurture send` as an operator meets it: why nothing went out, what waits, which failed, and a clean stop.

Each case runs against a real aiosmtpd relay (or a port nobody listens on): a relay that
refuses the login or cannot be reached must stop the run with a non-zero exit, the reason in
plain words with what to fix, and how many approved messages wait (nothing is lost); failed
messages are named; SIGTERM stops like Ctrl-C: the message being written to the relay is
finished, the rest of the batch goes back to approved, none is left for review.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Message

from ..conftest import free_port
from ..delivery.conftest import NOW, ROOT, approved_messages, make_app
from ..relays import USER, running_relay

AT = "2026-11-23T10:00:00+01:00"  # an hour after the messages' send time (NOW)
RELAY_REFUSED = 4


def statuses(app) -> dict[str, int]:  # noqa: ANN001
    with app.factory() as session:
        return dict(session.execute(select(Message.status, func.count()).group_by(Message.status)).all())


def point_at(nurture, port: int, **env: str) -> None:  # noqa: ANN001
    nurture.env.update({"NURTURE_SMTP__PORT": str(port), **env})


def test_wrong_password_says_why_what_to_fix_and_what_waits(nurture, db_url):
    with running_relay(with_auth=True) as relay:
        point_at(nurture, relay.port, NURTURE_SMTP__USERNAME=USER, NURTURE_SMTP_PASSWORD="not-the-password")
        app = make_app(db_url, relay.port)
        approved_messages(app, 12)

        result = nurture("send", ok=False, now=AT)

    assert result.exit_code == RELAY_REFUSED, result.output + result.stderr
    err = result.stderr
    assert "sending stopped: the relay refused the login: 535 5.7.8 Authentication credentials invalid" in err
    assert "NURTURE_SMTP_PASSWORD" in err and f'[smtp] username ("{USER}")' in err
    assert "nothing was lost: 12 approved message(s) wait" in err
    assert "not tried in this run" in err
    assert err.count("refused the login") == 1, "the same refusal of every connection is said once"
    assert "Traceback" not in err
    assert statuses(app) == {"approved": 12}, "a refused login spends nothing and loses nothing"

    status = nurture("status", now=AT).stdout
    assert "error: the relay refused the login" in status and "NURTURE_SMTP_PASSWORD" in status


def test_wrong_password_in_json_mode_exits_non_zero_with_the_problem(nurture, db_url):
    with running_relay(with_auth=True) as relay:
        point_at(nurture, relay.port, NURTURE_SMTP__USERNAME=USER, NURTURE_SMTP_PASSWORD="not-the-password")
        app = make_app(db_url, relay.port)
        approved_messages(app, 3)
        result = nurture("send", "--json", ok=False, now=AT)

    assert result.exit_code == RELAY_REFUSED
    import json

    data = json.loads(result.stdout)
    assert data["relay_paused"] is True and data["waiting"] == 3
    assert [p["kind"] for p in data["problems"]] == ["login"]
    assert "NURTURE_SMTP_PASSWORD" in data["problems"][0]["fix"]


def test_relay_not_listening_says_check_host_and_port(nurture, db_url):
    port = free_port()  # nobody listens here
    point_at(nurture, port)
    app = make_app(db_url, port)
    approved_messages(app, 5)

    result = nurture("send", ok=False, now=AT)

    assert result.exit_code == RELAY_REFUSED, result.output + result.stderr
    err = result.stderr
    assert f"the relay at 127.0.0.1:{port} cannot be reached" in err
    assert f"check [smtp] host and port (127.0.0.1:{port}) and that the relay is up" in err
    assert "nothing was lost: 5 approved message(s) wait" in err
    assert statuses(app) == {"approved": 5}


def test_failed_messages_are_named_with_what_to_do(nurture, db_url):
    """One bounce and six full mailboxes: the first few are named with why, then "and N more"."""
    replies = ["550 5.1.1 User unknown"] + ["552 5.2.2 Mailbox full"] * 6
    with running_relay(rcpt=replies) as relay:
        point_at(nurture, relay.port, NURTURE_SMTP__CONCURRENCY="1")
        app = make_app(db_url, relay.port)
        ids = approved_messages(app, 7)
        result = nurture("send", now=AT)

    assert result.exit_code == 0, "refusals of single messages are no relay problem"
    out = result.stdout
    assert "7 message(s) failed:" in out
    bounced = next(line for line in out.splitlines() if f"message {ids[0]}:" in line)
    assert "550 5.1.1 User unknown" in bounced and "approve it again" not in bounced
    full = next(line for line in out.splitlines() if f"message {ids[1]}:" in line)
    assert "552 5.2.2 Mailbox full" in full and f"approve it again to retry: `nurture approve {ids[1]}`" in full
    assert "and 2 more" in out
    assert f"message {ids[6]}:" not in out


# -- stopping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_finishes_the_message_in_flight_and_gives_the_rest_back(db_url, sig):
    with running_relay(data_delay=0.8) as relay:
        app = make_app(db_url, relay.port)
        ids = approved_messages(app, 6)
        env = {**os.environ, "NURTURE_DATABASE__URL": db_url, "NURTURE_SMTP__HOST": "127.0.0.1",
               "NURTURE_SMTP__PORT": str(relay.port), "NURTURE_SMTP__CONCURRENCY": "1",
               "NURTURE_SMTP__MAX_PER_MINUTE": "0",  # no cap: the connection takes all six as one batch
               "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef", "NURTURE_NOW": "", "NURTURE_CONFIG": ""}  # fmt: skip
        proc = subprocess.Popen(
            [sys.executable, "-m", "nurture", "--config", str(ROOT / "config" / "nurture.toml"), "--now", AT, "send"],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while len(relay.received) < 2 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.02)
            assert len(relay.received) >= 2, "the relay never got the second message"
            proc.send_signal(sig)  # the second message waits for its reply right now
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        received = len(relay.received)

    assert proc.returncode == 128 + sig, f"exit {proc.returncode}\n{out}\n{err}"
    assert "Traceback" not in err
    assert f"{received} sent" in out, out
    assert f"stopped by {sig.name}: nothing was lost: {6 - received} approved message(s) wait" in err
    assert statuses(app) == {"sent": received, "approved": 6 - received}, "none left handed over"
    with app.factory() as session, session.begin():
        # Long after any lease: nothing of the stopped run may turn up as "delivery uncertain".
        requeued, uncertain = MessageStore(session).reap_dead_leases(NOW + timedelta(hours=2))
    assert (requeued, uncertain) == ([], [])
    with app.factory() as session:
        rows = list(session.scalars(select(Message).where(Message.id.in_(ids), Message.status == "approved")))
        assert all(r.attempts == 0 and r.claimed_by is None for r in rows), "given back with the attempt not spent"
