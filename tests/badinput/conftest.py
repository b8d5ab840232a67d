"""The real `nurture` command line over a fresh SQLite database, for the bad-input suite."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from nurture.entrypoints.cli import cli

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "nurture.toml"


@dataclass
class Nurture:
    """Runs `nurture …` in-process, exactly as a user would, against one database."""

    db_url: str
    now: str = "2026-11-23T07:00:00+01:00"

    @property
    def env(self) -> dict[str, str]:
        return {
            "NURTURE_DATABASE__URL": self.db_url,
            "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
            "NURTURE_WEB_PASSWORD": "pw",
            "NURTURE_NOW": "",
            "NURTURE_CONFIG": "",
        }

    def __call__(self, *args: str, ok: bool = True, config: Path = CONFIG) -> Result:
        result = CliRunner().invoke(cli, ["--config", str(config), "--now", self.now, *args], env=self.env)
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"nurture {' '.join(args)} exited {result.exit_code}:\n{result.output}\n{result.stderr}"
            )
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)


def fresh_nurture(folder: Path) -> Nurture:
    """A Nurture over a new, initialised SQLite file in `folder` (usable inside hypothesis examples)."""
    n = Nurture(f"sqlite:///{folder / 'nurture.db'}")
    n("init")
    return n


@pytest.fixture
def nurture(tmp_path: Path) -> Nurture:
    return fresh_nurture(tmp_path)
