"""SPEC.md as scripts read it: exit codes, JSON keys and the canonical CSV, through the real commands."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from .conftest import SAMPLE

CONTACT_KEYS = {"id", "email", "first_name", "last_name", "gender", "title", "language", "country", "formality",
                "tier", "timezone", "birthday", "company", "position", "consent", "unsubscribed", "salutation",
                "review_reason"}  # fmt: skip
MESSAGE_KEYS = {"id", "contact_id", "email", "occasion", "status", "send_at", "subject", "text", "html",
                "message_id", "reason"}  # fmt: skip
CSV_COLUMNS = ["email", "first_name", "last_name", "gender", "title", "language", "country", "formality", "birthday",
               "company", "position", "started_on", "timezone", "tier", "topics", "consent", "consent_source",
               "consent_date", "profile_url", "note"]  # fmt: skip


@pytest.mark.parametrize("args", [["approve"], ["touch"], ["touch", "1"], ["contacts", "edit", "1"]])
def test_a_command_missing_what_it_needs_is_a_usage_error(nurture, args: list[str]) -> None:
    """SPEC: exit 2 for a usage error, as for a missing option; 1 stays for bad input."""
    nurture("import", str(SAMPLE))
    result = nurture(*args, ok=False)
    assert result.exit_code == 2, (args, result.stderr)
    assert "Traceback" not in result.output + result.stderr


def test_touch_with_a_contact_and_import_is_a_usage_error(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    mbox = tmp_path / "sent.mbox"
    mbox.write_text("", encoding="utf-8")
    result = nurture("touch", "1", "--import", str(mbox), ok=False)
    assert result.exit_code == 2, result.stderr


def test_approve_all_pending_with_nothing_pending_stays_a_plain_error(nurture) -> None:
    result = nurture("approve", "--all-pending", ok=False)
    assert result.exit_code == 1 and "no pending messages" in result.stderr


def test_contact_and_message_json_carry_the_spec_keys(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    contacts = nurture.json("contacts", "list")
    assert contacts and all(CONTACT_KEYS <= set(c) for c in contacts)
    assert all(isinstance(c["id"], int) and isinstance(c["unsubscribed"], bool) for c in contacts)
    anna = nurture.json("contacts", "show", "anna.mueller@example.de")
    assert CONTACT_KEYS | {"events", "relations", "planned"} <= set(anna)
    assert anna["birthday"] == "1979-11-23"
    assert nurture.json("contacts", "show", "thomas.schneider@example.de")["birthday"] == "--11-24"
    messages = nurture.json("queue", "--status", "all")
    assert messages and all(MESSAGE_KEYS <= set(m) for m in messages)
    assert all(datetime.fromisoformat(m["send_at"]).utcoffset() is not None for m in messages)
    assert all(MESSAGE_KEYS <= set(m) for m in anna["planned"])


def test_export_writes_the_canonical_columns_and_import_takes_them_back(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    out = tmp_path / "contacts.csv"
    nurture("contacts", "export", str(out))
    with out.open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == CSV_COLUMNS
    again = nurture.json("import", str(out), "--format", "csv")
    assert again["created"] == again["updated"] == again["rejected"] == 0


def test_import_takes_a_bom_any_column_order_and_reports_unknown_columns(nurture, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes("\ufeffnote,shoe_size,last_name,email\nhi,42,Neumann,nina.neumann@example.de\n".encode())
    data = nurture.json("import", str(path))
    assert data["created"] == 1 and data["rejected"] == 0
    assert any("shoe_size" in n for n in data["notices"])
    assert nurture.json("contacts", "show", "nina.neumann@example.de")["last_name"] == "Neumann"


def test_check_text_applies_the_configs_guard_phrases(tmp_path: Path) -> None:
    """`[guard] extra_phrases` blocked messages, but `check-text` on the same draft said it was clean."""
    from click.testing import CliRunner

    from nurture.entrypoints.cli import cli

    root = Path(__file__).resolve().parents[3]
    shipped = (root / "config" / "nurture.toml").read_text(encoding="utf-8")
    assert 'extra_phrases = { de = [], en = [] }' in shipped
    config = tmp_path / "nurture.toml"
    config.write_text(shipped.replace('extra_phrases = { de = [], en = [] }',
                                      'extra_phrases = { de = ["unser Jubiläumspaket"], en = [] }')
                      .replace('allow_phrases = { de = [], en = [] }',
                               'allow_phrases = { de = ["Sonderpreis der Jury"], en = [] }')
                      .replace('templates = "../templates"', f'templates = "{root / "templates"}"')
                      .replace('content = "content.toml"', f'content = "{root / "config" / "content.toml"}"'),
                      encoding="utf-8")  # fmt: skip
    draft = tmp_path / "draft.txt"
    draft.write_text("Hallo,\nkennen Sie schon unser Jubiläumspaket?\nGlückwunsch zum Sonderpreis der Jury!\n",
                     encoding="utf-8")  # fmt: skip
    env = {"NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef", "NURTURE_CONFIG": "", "NURTURE_NOW": ""}
    result = CliRunner().invoke(cli, ["--config", str(config), "check-text", "--language", "de", str(draft)], env=env)
    assert result.exit_code == 3, result.output
    assert result.stdout.splitlines() == ['2:18: unser Jubiläumspaket (extra_phrase)']

    broken = tmp_path / "broken.toml"
    broken.write_text("[general]\nlanguage = 3\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(broken), "check-text", "--language", "de", str(draft)], env=env)
    assert result.exit_code == 0 and "its [guard] phrases were not applied, the built-in rules were" in result.stderr
