"""A typo in one content item used to stop everything: `nurture plan` exited 1 without planning a
single birthday, approvals failed, and a daemon restarted with the file in that state did not
start at all (so approved messages were not sent). The item with the problem is left out, the
problem is named with file and line, and the rest goes on (product rule 6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from nurture.adapters.db.tables import Message

from ..delivery.conftest import approved_messages, make_app
from . import test_daemon
from .test_daemon import daemon_env, sent_count, start_daemon, wait_for

config_copy = test_daemon.config_copy  # the fixture: a private copy of config and templates

BROKEN_ITEM = '''
[[item]]
id = "kaputt"
title = "Ein Leitfaden"
url = "htps:/example.com/kaputt"
kind = "brochure"
language = "de"
topics = ["sales"]
summary = "Mit Tippfehlern."
'''


def break_library(config: Path) -> int:
    """Append an item with a bad url and kind; returns the line its `url` is on."""
    library = config.parent / "content.toml"
    text = library.read_text(encoding="utf-8")
    library.write_text(text + BROKEN_ITEM, encoding="utf-8")
    return text.count("\n") + BROKEN_ITEM[: BROKEN_ITEM.index("url =")].count("\n") + 1


def nurture(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nurture", "--config", str(config), *args],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)  # fmt: skip


def test_plan_goes_on_without_the_broken_item_and_names_it(db_url, smtp, config_copy):
    _handler, port = smtp
    line = break_library(config_copy)
    env = daemon_env(db_url, port)
    assert nurture(config_copy, env, "init").returncode == 0
    sample = config_copy.parent / "sample_contacts.csv"
    assert nurture(config_copy, env, "import", str(sample)).returncode == 0
    # `check` still fails on it, with file and line.
    check = nurture(config_copy, env, "check")
    assert check.returncode == 1
    assert f"content.toml:{line}:" in check.stdout + check.stderr, check.stdout + check.stderr

    done = nurture(config_copy, env, "plan")
    assert done.returncode == 0, done.stderr
    assert f"warning: {config_copy.parent / 'content.toml'}:{line}:" in done.stderr, done.stderr
    assert "left out until the content library is fixed" in done.stderr
    app = make_app(db_url, port)
    with app.factory() as session:
        occasions = set(session.scalars(select(Message.occasion)))
    assert "birthday" in occasions, occasions


def test_a_daemon_started_with_a_broken_item_starts_and_sends(db_url, smtp, config_copy):
    handler, port = smtp
    app = make_app(db_url, port)
    approved_messages(app, 3)
    break_library(config_copy)
    log = config_copy.parent / "daemon.log"
    proc = start_daemon(config_copy, daemon_env(db_url, port), log=log)
    try:
        assert wait_for(lambda: sent_count(app) == 3), log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    err = log.read_text()
    assert "content.toml:" in err and "planning and sending go on" in err, err
    assert "Traceback" not in err
    assert len(handler.received) == 3
