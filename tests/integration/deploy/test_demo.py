"""`nurture demo` on a fresh folder: sample data, capture server, daemon, approval page.

Mail leaves only after approval: the outbox stays empty until `approve`, then fills.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_demo_sends_only_after_approval(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    env = {**os.environ, "NURTURE_NOW": "2026-11-23T09:15:57+01:00", "NURTURE_WEB_PASSWORD": "pw",
           "PYTHONUNBUFFERED": "1"}
    env.pop("NURTURE_CONFIG", None)
    log = (tmp_path / "demo.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "nurture", "demo", "--port", "0"], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        assert wait_for(lambda: "Approval page" in (tmp_path / "demo.log").read_text()), \
            (tmp_path / "demo.log").read_text()
        output = (tmp_path / "demo.log").read_text()
        url = output.split("Approval page: ")[1].split()[0]

        def healthy() -> bool:
            try:
                return urllib.request.urlopen(url + "healthz", timeout=2).status == 200
            except OSError:
                return False

        assert wait_for(healthy, timeout=20)
        outbox = tmp_path / "var" / "outbox"
        time.sleep(3)

        def contact_mails() -> list[Path]:
            # The approvers' digest (Auto-Submitted) may arrive; no message to a contact may.
            return [p for p in outbox.glob("*.eml") if b"X-Nurture-Message:" in p.read_bytes()]

        assert not contact_mails(), "nothing may leave before approval"
        queue = subprocess.run([sys.executable, "-m", "nurture", "queue", "--json"], cwd=tmp_path, env=env,
                               capture_output=True, text=True, check=True)  # fmt: skip
        import json

        pending = json.loads(queue.stdout)
        greetings = [m for m in pending if m["occasion"] == "birthday" and m["send_at"].startswith("2026-11-23")]
        assert greetings, "the demo has birthdays today"
        subprocess.run([sys.executable, "-m", "nurture", "approve", *(str(m["id"]) for m in greetings)],
                       cwd=tmp_path, env=env, check=True, capture_output=True)  # fmt: skip
        assert wait_for(lambda: len(contact_mails()) >= len(greetings), timeout=40)
        assert len(contact_mails()) == len(greetings)
        received = b"".join(p.read_bytes() for p in contact_mails())
        for m in greetings:
            assert m["message_id"] is None or m["message_id"].encode() in received
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
