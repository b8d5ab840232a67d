"""Mutated CSV files through the real `nurture import` into a real SQLite database.

Each file is a good contact list changed one way (a line over a megabyte, a profile URL
repeated, another delimiter, another or mixed encoding, an unquoted comma): every row is
either imported unchanged or reported with its own line, and a second import changes nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from nurture.adapters.importers import ImportedContact, read_contacts
from nurture.adapters.importers.textio import MAX_LINE
from nurture.entrypoints.cli import cli

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config" / "nurture.toml"
DATA = ROOT / "tests" / "data"


class Nurture:
    """Runs `nurture …` in-process, as a user would, against one fresh SQLite file."""

    def __init__(self, folder: Path) -> None:
        self.env = {
            "NURTURE_DATABASE__URL": f"sqlite:///{folder / 'nurture.db'}",
            "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
            "NURTURE_WEB_PASSWORD": "pw",
            "NURTURE_NOW": "",
            "NURTURE_CONFIG": "",
        }
        assert self("init").exit_code == 0

    def __call__(self, *args: str) -> Result:
        argv = ["--config", str(CONFIG), "--now", "2026-11-23T07:00:00+01:00", *args]
        result = CliRunner().invoke(cli, argv, env=self.env)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output + result.stderr
        return result

    def imported(self, path: Path, *options: str) -> dict[str, Any]:
        """The JSON summary of `nurture import PATH`; exit 1 exactly when a row was rejected."""
        result = self("import", str(path), *options, "--json")
        summary = json.loads(result.stdout)
        assert result.exit_code == (1 if summary["rejected"] else 0), result.output
        return summary

    def contacts(self) -> dict[str | None, dict[str, Any]]:
        return {c["email"]: c for c in json.loads(self("contacts", "list", "--json").stdout)}


@pytest.fixture
def nurture(tmp_path: Path) -> Nurture:
    return Nurture(tmp_path)


def problem_lines(summary: dict[str, Any], path: Path) -> dict[int, str]:
    found: dict[int, str] = {}
    for problem in summary["problems"]:
        m = re.match(re.escape(str(path)) + r":(\d+): (.*)", problem)
        assert m, problem
        found[int(m.group(1))] = m.group(2)
    return found


def counts(summary: dict[str, Any]) -> tuple[int, int, int, int]:
    return summary["created"], summary["updated"], summary["unchanged"], summary["rejected"]


def test_a_line_over_a_megabyte_is_one_rejected_row_and_nothing_of_it_is_imported(
    nurture: Nurture, tmp_path: Path
) -> None:
    """The tail of an endless line once read as a row of its own, and shifted every later line number."""
    path = tmp_path / "long.csv"
    path.write_bytes(
        b"note,email,first_name\r\n"
        + b"y" * (MAX_LINE + 10) + b",eve@example.com,Eve\r\n"
        + b",cora@example.com,Cora\r\n"
        + b",dan@example.com,Dan\r\n"
    )  # fmt: skip

    summary = nurture.imported(path)

    assert set(nurture.contacts()) == {"cora@example.com", "dan@example.com"}
    assert counts(summary) == (2, 0, 0, 1)
    problems = problem_lines(summary, path)
    assert list(problems) == [2] and "longer than" in problems[2], problems
    rows = {c.email: c.row for c in read_contacts(path, "csv") if isinstance(c, ImportedContact)}
    assert rows == {"cora@example.com": 3, "dan@example.com": 4}


def test_two_rows_with_one_profile_url_are_a_duplicate_not_an_overwrite(
    nurture: Nurture, tmp_path: Path
) -> None:
    """The later row used to take over the earlier contact's address, and every import swapped them back."""
    path = tmp_path / "same_url.csv"
    path.write_text(
        "email,first_name,last_name,profile_url\r\n"
        "anna@example.com,Anna,Alt,https://www.linkedin.com/in/anna-alt\r\n"
        "bert@example.com,Bert,Berg,https://www.linkedin.com/in/anna-alt\r\n",
        encoding="utf-8",
    )

    first = nurture.imported(path)
    again = nurture.imported(path)

    problems = problem_lines(first, path)
    assert list(problems) == [3] and "same profile URL" in problems[3] and "row 2" in problems[3]
    assert counts(first) == (1, 0, 0, 1)
    assert counts(again) == (0, 0, 1, 1)
    stored = nurture.contacts()
    assert set(stored) == {"anna@example.com"} and stored["anna@example.com"]["first_name"] == "Anna"


@pytest.mark.parametrize(
    ("text", "encoding", "separated_by"),
    [
        ("email\tfirst_name\tlast_name\r\n{rows}", "utf-16", "tabs"),  # Excel's "Unicode Text"
        ("email\tfirst_name\tlast_name\n{rows}", "utf-8", "tabs"),
        (
            "\r\nemail;first_name;last_name\r\n{rows}",
            "cp1252",
            "semicolons",
        ),  # a blank line before the header
        ("email|first_name|last_name\n{rows}", "utf-8", "vertical bars"),
    ],
)
def test_other_delimiters_are_recognised_from_the_header(
    nurture: Nurture, tmp_path: Path, text: str, encoding: str, separated_by: str
) -> None:
    delimiter = {"tabs": "\t", "semicolons": ";", "vertical bars": "|"}[separated_by]
    rows = "".join(
        delimiter.join(r) + "\r\n"
        for r in [("j@example.de", "Jürgen", "Groß"), ("a@example.at", "Anna", "Öz")]
    )
    path = tmp_path / "contacts.csv"
    path.write_bytes(text.format(rows=rows).encode(encoding))

    summary = nurture.imported(path)

    assert counts(summary) == (2, 0, 0, 0), summary
    assert any(f"separated by {separated_by}" in n for n in summary["notices"]), summary["notices"]
    stored = nurture.contacts()
    assert (stored["j@example.de"]["first_name"], stored["j@example.de"]["last_name"]) == ("Jürgen", "Groß")
    assert stored["a@example.at"]["last_name"] == "Öz"
    assert counts(nurture.imported(path)) == (0, 0, 2, 0)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_read_as_utf16(nurture: Nurture, tmp_path: Path, codec: str) -> None:
    canonical = tmp_path / "contacts.csv"
    canonical.write_bytes("email,first_name,last_name\r\nj@example.de,Jürgen,Groß\r\n".encode(codec))
    linkedin = tmp_path / "Connections.csv"
    linkedin.write_bytes((DATA / "linkedin_connections.csv").read_text("utf-8").encode(codec))

    summary = nurture.imported(canonical)
    connections = nurture.imported(linkedin)

    assert counts(summary) == (1, 0, 0, 0) and any("UTF-16" in n for n in summary["notices"])
    assert nurture.contacts()["j@example.de"]["last_name"] == "Groß"
    assert connections["format"] == "linkedin" and connections["created"] + connections["updated"] == 8
    assert "james.wilson@example.com" in nurture.contacts()


def test_lines_in_windows_1252_do_not_garble_the_utf8_lines(nurture: Nurture, tmp_path: Path) -> None:
    """A file put together from two sources: each line keeps its own umlauts."""
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "email,first_name,last_name\r\nu@example.de,Jürgen,Groß\r\n".encode()
        + "w@example.de,Bärbel,Weiß\r\n".encode("cp1252")
        + "v@example.de,Zoë,Müller\r\n".encode()
    )

    summary = nurture.imported(path)

    assert counts(summary) == (3, 0, 0, 0)
    notices = [n for n in summary["notices"] if "not UTF-8" in n]
    assert len(notices) == 1 and f"{path}:3:" in notices[0] and "Windows-1252" in notices[0]
    names = {e: (c["first_name"], c["last_name"]) for e, c in nurture.contacts().items()}
    assert names == {"u@example.de": ("Jürgen", "Groß"), "w@example.de": ("Bärbel", "Weiß"),
                     "v@example.de": ("Zoë", "Müller")}  # fmt: skip


def test_a_utf8_byte_order_mark_before_windows_1252_lines_keeps_the_header(
    nurture: Nurture, tmp_path: Path
) -> None:
    """The mark was once read as "ï»¿" in front of "email", and the whole file was refused."""
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfemail,first_name\r\n" + "a@example.com,Jörg\r\n".encode("cp1252"))

    summary = nurture.imported(path)

    assert counts(summary) == (1, 0, 0, 0), summary
    assert nurture.contacts()["a@example.com"]["first_name"] == "Jörg"


def test_linkedin_row_shifted_by_an_unquoted_comma_is_rejected(nurture: Nurture, tmp_path: Path) -> None:
    """An unquoted "Acme, Inc." once stored company "Acme" and position "Inc." without a word."""
    path = tmp_path / "Connections.csv"
    path.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Anna,Alt,https://www.linkedin.com/in/anna-alt,anna@example.com,Acme, Inc.,,\n"
        "Bert,Berg,https://www.linkedin.com/in/bert-berg,bert@example.com,Beta AG,CEO,12 Mar 2024\n",
        encoding="utf-8",
    )

    summary = nurture.imported(path)

    problems = problem_lines(summary, path)
    assert list(problems) == [2] and "double quotes" in problems[2]
    assert set(nurture.contacts()) == {"bert@example.com"}


def test_two_connections_without_address_or_url_and_one_name_are_a_duplicate(
    nurture: Nurture, tmp_path: Path
) -> None:
    """An old export has no URL column: both rows once became one contact whose job flipped on every import."""
    path = tmp_path / "Connections.csv"
    path.write_text(
        "First Name,Last Name,Email Address,Company,Position,Connected On\n"
        "Thomas,Müller,,Siemens AG,Engineer,12 Mar 2024\n"
        "Thomas,Müller,,Siemens AG,Sales Manager,13 Mar 2024\n",
        encoding="utf-8",
    )

    first = nurture.imported(path)
    again = nurture.imported(path)

    problems = problem_lines(first, path)
    assert list(problems) == [3] and "same name Thomas Müller at Siemens AG" in problems[3]
    assert counts(first) == (1, 0, 0, 1) and counts(again) == (0, 0, 1, 1)
    assert first["job_changes"] == again["job_changes"] == 0
    shown = json.loads(nurture("contacts", "show", str(nurture.contacts()[None]["id"]), "--json").stdout)
    assert shown["position"] == "Engineer" and shown["events"] == []


def test_an_export_with_contacts_known_only_by_their_profile_reads_back_unchanged(nurture: Nurture, tmp_path: Path) -> None:
    """LinkedIn connections without an address were exported with an empty e-mail cell and then rejected."""
    nurture.imported(DATA / "linkedin_connections.csv")
    before = json.loads(nurture("contacts", "list", "--json").stdout)
    assert sum(1 for c in before if not c["email"]) >= 3  # connections known only by their profile
    exported = tmp_path / "export.csv"
    assert nurture("contacts", "export", str(exported)).exit_code == 0
    again = nurture.imported(exported)
    assert (again["created"], again["updated"], again["rejected"]) == (0, 0, 0), again
    assert again["unchanged"] == len(before)
    assert json.loads(nurture("contacts", "list", "--json").stdout) == before
