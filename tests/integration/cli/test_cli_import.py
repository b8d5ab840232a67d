"""Importing through the CLI: rejected rows, exit status, job changes once, dry runs, formats."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import ROOT

DATA = ROOT / "tests" / "data"


def test_broken_rows_are_reported_and_good_rows_kept(nurture) -> None:
    result = nurture("import", str(DATA / "broken.csv"), ok=False)
    assert result.exit_code == 1
    assert f"{DATA / 'broken.csv'}:3:" in result.stderr  # the bad address on line 3
    emails = {c["email"] for c in nurture.json("contacts", "list")}
    assert "good.one@example.de" in emails


def test_dry_run_writes_nothing(nurture) -> None:
    result = nurture("import", str(DATA / "contacts.csv"), "--dry-run")
    assert "dry run" in result.stdout
    assert nurture.json("contacts", "list") == []


def test_all_formats_are_recognised(nurture) -> None:
    for name, fmt in (("contacts.csv", "csv"), ("linkedin_connections.csv", "linkedin"), ("contacts.vcf", "vcard")):
        result = nurture("import", str(DATA / name), "--json", ok=False)
        assert json.loads(result.stdout)["format"] == fmt


def test_changed_position_creates_one_job_change(nurture, tmp_path: Path) -> None:
    header = "email,first_name,last_name,gender,company,position,consent\n"
    first = tmp_path / "a.csv"
    first.write_text(header + "kim.roth@example.de,Kim,Roth,female,Roth AG,Einkauf,opt_in\n", encoding="utf-8")
    nurture("import", str(first))
    assert nurture.json("contacts", "show", "kim.roth@example.de")["events"] == []
    second = tmp_path / "b.csv"
    second.write_text(header + "KIM.ROTH@example.de,Kim,Roth,female,Roth AG,Leiterin Einkauf,opt_in\n",
                      encoding="utf-8")  # fmt: skip
    data = nurture.json("import", str(second))
    assert data["updated"] == 1 and data["job_changes"] == 1
    nurture("import", str(second))
    events = nurture.json("contacts", "show", "kim.roth@example.de")["events"]
    assert [e["kind"] for e in events] == ["job_change"]
    assert events[0]["details"]["old_position"] == "Einkauf"
    assert events[0]["details"]["position"] == "Leiterin Einkauf"


def test_idn_and_case_duplicates_are_one_contact(nurture, tmp_path: Path) -> None:
    header = "email,first_name,last_name,gender,consent\n"
    csv = tmp_path / "idn.csv"
    csv.write_text(header + "Juergen@Müller.de,Jürgen,Müller,male,opt_in\n", encoding="utf-8")
    nurture("import", str(csv))
    csv2 = tmp_path / "idn2.csv"
    csv2.write_text(header + "juergen@xn--mller-kva.de,Jürgen,Müller,male,opt_in\n", encoding="utf-8")
    data = nurture.json("import", str(csv2))
    assert data["created"] == 0 and data["unchanged"] == 1
    assert [c["email"] for c in nurture.json("contacts", "list")] == ["juergen@müller.de"]


def test_unsubscribe_survives_a_later_import(nurture, tmp_path: Path) -> None:
    csv = tmp_path / "u.csv"
    csv.write_text("email,first_name,last_name,gender,consent\nola@example.de,Ola,Berg,female,opt_in\n",
                   encoding="utf-8")  # fmt: skip
    nurture("import", str(csv))
    nurture("unsubscribe", "ola@example.de")
    nurture("import", str(csv))
    assert nurture.json("contacts", "show", "ola@example.de")["unsubscribed"] is True


def test_a_note_about_the_whole_file_names_no_line_zero(nurture, tmp_path) -> None:
    """LinkedIn's "some connections have no address" note was printed as `Connections.csv:0: note: …`."""
    path = tmp_path / "Connections.csv"
    path.write_text("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                    "Anna,Müller,https://www.linkedin.com/in/anna-m,,ACME,CEO,01 Nov 2024\n"
                    "Jan,Berg,https://www.linkedin.com/in/jan-b,jan@example.de,ACME,CTO,01 Nov 2024\n",
                    encoding="utf-8")  # fmt: skip
    result = nurture("import", str(path))
    assert f"{path}: note: 1 connection(s) have no e-mail address" in result.stderr, result.stderr
    assert f"{path}:0:" not in result.stderr
