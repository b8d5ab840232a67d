"""A full disk and a read-only database under SQLite: a clear error, the daemon stays up, nothing twice.

The database lives on a small tmpfs mounted for the test (root is needed: as root, file mode bits
are ignored, so "read-only" is a read-only remount and "full" is the mount filled to the brim).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Mailbox, approved_messages, fault_env, make_app, open_work, spawn, stop, tally, wait_for

BATCH = 300


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs of its own, unmounted afterwards."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(folder: Path) -> Path:
    """Write until the file system says no space is left."""
    filler = folder / "filler"
    # Unbuffered: a buffered file would try to write its leftover bytes again on close and raise there.
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


@pytest.mark.slow
def test_full_disk_while_daemon_sends(small_disk: Path, mailbox: Mailbox, config_copy: Path, tmp_path: Path,
                                      reliability) -> None:  # fmt: skip
    """The disk fills up mid-batch: the daemon says so, stays up, and finishes once space is back."""
    url = f"sqlite:///{small_disk / 'nurture.db'}"
    app = make_app(url, mailbox.port)
    ids = approved_messages(app, BATCH)
    app.engine.dispose()
    log = tmp_path / "daemon.log"
    proc = spawn(config_copy, fault_env(url, mailbox.port, per_minute=1200), "run", log)
    try:
        assert wait_for(lambda: mailbox.count() >= 30 or proc.poll() is not None, timeout=60)
        filler = fill(small_disk)
        at_full = mailbox.count()
        assert wait_for(lambda: "disk holding the database is full" in log.read_text(), timeout=20), (
            log.read_text()
        )
        time.sleep(2)
        during = mailbox.count() - at_full
        alive_while_full = proc.poll() is None
        filler.unlink()
        finished = wait_for(lambda: open_work(app) == 0, timeout=90, every=0.2)
        time.sleep(0.5)
    finally:
        code = stop(proc)
    text = log.read_text()
    t = tally(app, mailbox, ids)
    reliability(
        "disk", f"the disk holding the SQLite database filled up while `nurture run` sent {BATCH} messages; "
        "space freed after a while",
        expected="a clear 'disk full' message without traceback; the daemon stays up, retries and finishes; "
        "nothing twice, nothing lost",
        observed=f"{t}; {at_full} received when the disk filled, {during} more while full; daemon "
        f"{'up' if alive_while_full else 'gone'} while full, exit {code}; "
        f"{text.count('disk holding the database is full')} 'disk full' log lines, "
        f"{text.count('Traceback')} tracebacks",
    )  # fmt: skip
    assert alive_while_full, text[-3000:]
    assert finished, f"{t}\n{text[-3000:]}"
    assert code == 0
    assert "Traceback" not in text, text[-3000:]
    assert t.duplicates == 0 and t.lost == 0 and t.unfinished == 0, t
    assert t.review == t.review_uncertain, t
    assert t.distinct + t.review - t.review_received == BATCH, t


def test_read_only_database_for_send_command(small_disk: Path, mailbox: Mailbox, config_copy: Path,
                                             tmp_path: Path, reliability) -> None:  # fmt: skip
    """`nurture send` on a read-only database: exit 1 with a plain message; once writable, all go out once."""
    url = f"sqlite:///{small_disk / 'nurture.db'}"
    app = make_app(url, mailbox.port)
    ids = approved_messages(app, 50)
    app.engine.dispose()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True, capture_output=True)
    log = tmp_path / "send.log"
    try:
        proc = spawn(config_copy, fault_env(url, mailbox.port, per_minute=0), "send", log)
        code_ro = proc.wait(timeout=60)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True, capture_output=True)
    said = log.read_text()
    received_ro = mailbox.count()
    proc = spawn(config_copy, fault_env(url, mailbox.port, per_minute=0), "send", tmp_path / "send2.log")
    code_rw = proc.wait(timeout=60)
    t = tally(app, mailbox, ids)
    reliability(
        "disk", "`nurture send` with the SQLite database on a read-only file system, then again once writable",
        expected="exit 1 with one plain line saying the database cannot be written, nothing sent; then all "
        "50 sent once",
        observed=f"exit {code_ro}, said {said.strip()!r}, {received_ro} received while read-only; then exit "
        f"{code_rw}: {t}",
    )  # fmt: skip
    assert code_ro == 1, said
    assert "Traceback" not in said and said.startswith("error: the database"), said
    assert received_ro == 0
    assert code_rw == 0
    assert t.duplicates == 0 and t.distinct == 50 == t.sent, t
