"""A file refused as a whole says that nothing was imported, and why; an open quote in a LinkedIn export is named."""

from __future__ import annotations

import zipfile
from pathlib import Path

GOOGLE = ("Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value\n"
          "Anna Weber,Anna,Weber,* Home,anna@example.de\n")  # fmt: skip


def test_another_programs_export_is_refused_with_the_column_to_rename(nurture, tmp_path: Path) -> None:
    path = tmp_path / "google.csv"
    path.write_text(GOOGLE, encoding="utf-8")
    told = nurture("import", str(path), ok=False)
    assert told.exit_code == 1
    assert 'its addresses are in "E-mail 1 - Value"' in told.stderr and "vCard" in told.stderr
    assert f"nothing was imported from {path}" in told.stderr and "good rows are in" not in told.stderr
    assert nurture.json("contacts", "list") == []


def test_a_workbook_saved_under_a_csv_name_is_named_as_such(nurture, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    with zipfile.ZipFile(path, "w") as book:  # an .xlsx is a zip of XML parts
        book.writestr("[Content_Types].xml", "<Types/>")
    told = nurture("import", str(path), ok=False)
    assert told.exit_code == 1
    assert "spreadsheet workbook" in told.stderr and "CSV UTF-8" in told.stderr
    assert f"nothing was imported from {path}" in told.stderr


def test_an_open_quote_in_a_linkedin_export_names_the_lines_it_swallowed(nurture, tmp_path: Path) -> None:
    path = tmp_path / "Connections.csv"
    path.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Carla,Lenz,https://www.linkedin.com/in/carla,carla@example.de,A GmbH,CEO,01 Jan 2020\n"
        'Dieter,"Quote,https://www.linkedin.com/in/dieter,d@example.de,X,Y,01 Jan 2020\n'
        "Emil,Stern,https://www.linkedin.com/in/emil,emil@example.de,B AG,CTO,01 Jan 2020\n",
        encoding="utf-8",
    )
    told = nurture("import", str(path), ok=False)
    assert "this record runs from line 3 to line 4; check for a quote that is not closed" in told.stderr
    assert "1 created" in told.stdout and "good rows are in" in told.stderr
