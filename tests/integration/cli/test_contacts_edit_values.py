"""`contacts edit` takes a country, a time zone and a birthday only as an import would, in the import's words."""

from __future__ import annotations

from pathlib import Path

import pytest

HEADER = "email,first_name,last_name,gender,language,country,timezone,birthday,consent\n"
GOOD = "kim.roth@example.de,Kim,Roth,female,de,DE,Europe/Berlin,1980-05-17,opt_in\n"


@pytest.fixture
def kim(nurture, tmp_path: Path) -> str:
    path = tmp_path / "good.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    nurture("import", str(path))
    return "kim.roth@example.de"


def _import_says(nurture, tmp_path: Path, column: str, value: str) -> str:
    """What the import says about `value` in `column` (the row is refused)."""
    cells = dict(zip(HEADER.strip().split(","), GOOD.strip().split(","), strict=True))
    cells.update(email="other@example.de", **{column: value})
    path = tmp_path / f"bad-{column}.csv"
    path.write_text(HEADER + ",".join(cells.values()) + "\n", encoding="utf-8")
    result = nurture("import", str(path), ok=False)
    assert result.exit_code != 0
    found = [line for line in result.stderr.splitlines() if f'column "{column}"' in line]
    assert found, result.stderr
    return found[0].split(f'column "{column}"', 1)[1].lstrip(": ")


@pytest.mark.parametrize(
    ("option", "column", "value"),
    [
        ("--country", "country", "XX"),
        ("--country", "country", "UK"),
        ("--timezone", "timezone", "posix/Europe/Berlin"),
        ("--timezone", "timezone", "right/UTC"),
        ("--birthday", "birthday", "1980-W20-1"),
        ("--birthday", "birthday", "--5-7"),
    ],
)
def test_edit_refuses_what_import_refuses_with_its_words(nurture, kim: str, tmp_path: Path, option: str,
                                                         column: str, value: str) -> None:  # fmt: skip
    before = nurture.json("contacts", "show", kim)
    said = _import_says(nurture, tmp_path, column, value)
    result = nurture("contacts", "edit", kim, f"{option}={value}", ok=False)
    assert result.exit_code != 0
    assert "updated" not in result.stdout
    assert f"{option}: {said}" in result.stderr, (said, result.stderr)
    assert nurture.json("contacts", "show", kim)[column] == before[column]


@pytest.mark.parametrize(
    ("option", "value", "column", "stored"),
    [
        ("--country", "at", "country", "AT"),
        ("--timezone", "europe/vienna", "timezone", "Europe/Vienna"),
        ("--birthday", "19810603", "birthday", "1981-06-03"),
        ("--birthday", "--0603", "birthday", "--06-03"),
        ("--birthday", "1604-06-03", "birthday", "--06-03"),  # Apple's year-less birthday
    ],
)
def test_edit_stores_what_import_accepts_as_import_stores_it(nurture, kim: str, option: str, value: str,
                                                              column: str, stored: str) -> None:  # fmt: skip
    result = nurture("contacts", "edit", kim, f"{option}={value}")
    assert "updated" in result.stdout
    assert nurture.json("contacts", "show", kim)[column] == stored


def test_an_empty_birthday_still_clears_it(nurture, kim: str) -> None:
    nurture("contacts", "edit", kim, "--birthday=")
    assert nurture.json("contacts", "show", kim)["birthday"] is None
