"""`nurture check` finds what the daemon refuses to start with, and a content item linking to a shop."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import ROOT


def config_copy(tmp_path: Path, **replacements: str) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    cfg = tmp_path / "config" / "nurture.toml"
    for path in (cfg, tmp_path / "config" / "content.toml"):
        text = path.read_text(encoding="utf-8")
        for old, new in replacements.items():
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return cfg


def test_check_names_a_missing_dkim_key_file(nurture, tmp_path: Path) -> None:
    cfg = config_copy(tmp_path, **{'dkim_key_file = ""': 'dkim_key_file = "gone.pem"',
                                   'dkim_selector = ""': 'dkim_selector = "s1"',
                                   'dkim_domain = ""': 'dkim_domain = "example.com"'})  # fmt: skip
    result = nurture("--config", str(cfg), "check", ok=False)
    assert result.exit_code == 1
    assert 'dkim_key_file = "gone.pem": there is no file' in result.stdout


def test_check_finds_a_content_item_linking_to_a_shop(nurture, tmp_path: Path) -> None:
    cfg = config_copy(tmp_path, **{"https://example.com/de/leitfaden-phishing": "https://example.com/shop/leitfaden"})
    result = nurture("--config", str(cfg), "check", ok=False)
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if "leitfaden-phishing" in line)
    assert "content.toml:" in line and "in the url" in line and "not a shop or pricing page" in line


def test_the_shipped_config_is_fine(nurture) -> None:
    result = nurture("check")
    assert result.exit_code == 0 and "everything is fine" in result.stderr
