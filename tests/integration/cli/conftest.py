"""Run the real `nurture` command line against a fresh database and the shipped config."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nurture.entrypoints.cli import cli

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "config" / "sample_contacts.csv"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Nurture:
    env: dict[str, str]
    now: str

    def __call__(self, *args: str, ok: bool = True, now: str | None = None) -> Result:
        runner = CliRunner()
        result = runner.invoke(cli, ["--config", str(ROOT / "config" / "nurture.toml"),
                                     "--now", now or self.now, *args], env=self.env, catch_exceptions=False)
        if ok and result.exit_code != 0:
            raise AssertionError(f"nurture {' '.join(args)} exited {result.exit_code}:\n{result.output}\n{result.stderr}")
        return result

    def json(self, *args: str, now: str | None = None) -> object:
        return json.loads(self(*args, "--json", now=now).stdout)


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    from nurture.adapters.mail_capture import MailCapture

    capture = MailCapture(tmp_path / "outbox", port=0)
    capture.start()
    try:
        yield tmp_path / "outbox", capture.port
    finally:
        capture.stop()


@pytest.fixture
def nurture(db_url: str, tmp_path: Path, outbox: tuple[Path, int]) -> Callable[..., Result]:
    env = {
        "NURTURE_DATABASE__URL": db_url,
        "NURTURE_SMTP__PORT": str(outbox[1]),
        "NURTURE_SMTP__HOST": "127.0.0.1",
        "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
        "NURTURE_WEB_PASSWORD": "pw",
        "NURTURE_NOW": "",
        "NURTURE_CONFIG": "",
    }
    n = Nurture(env, "2026-11-23T07:00:00+01:00")
    n("init")
    return n
