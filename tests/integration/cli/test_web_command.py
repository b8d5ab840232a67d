"""`nurture web` says where the approval page listens and how to stop it; a taken port is a plain error."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(nurture: Any, bind: str) -> subprocess.Popen[str]:
    env = {**os.environ, **nurture.env, "NURTURE_WEB__BIND": bind, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "nurture", "--config", str(ROOT / "config" / "nurture.toml"), "web"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _first_line(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(proc.stdout.readline() if proc.stdout else ""))
    reader.start()
    reader.join(timeout)
    if not found:
        proc.kill()
        raise AssertionError("`nurture web` said nothing within the time")
    return found[0]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_nurture_web_says_where_it_listens_and_stops_on_ctrl_c(nurture: Callable[..., Any], stop: int) -> None:
    port = free_port()
    proc = _start(nurture, f"127.0.0.1:{port}")
    try:
        line = _first_line(proc)
        found = re.fullmatch(rf"approval page on (http://127\.0\.0\.1:{port}/); press Ctrl\+C to stop it\n", line)
        assert found, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(found.group(1) + "healthz", timeout=10) as response:
            assert response.read() == b"ok"
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert out.strip() == "approval page stopped"


def test_nurture_web_on_a_taken_port_says_so_and_nothing_else(nurture: Callable[..., Any], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _start(nurture, f"127.0.0.1:{port}")
        out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "approval page on" not in out
    assert f"could not listen on 127.0.0.1:{port}" in err
