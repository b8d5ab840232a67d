"""A language tag with a region ("de-AT", "de_CH", "en-US") names the contact's country when the row has none.

Without this the region was cut off and the import default (DE) applied, so an Austrian lost
her Mag. (ADDRESSING.md A1) and a Swiss contact kept the ß (S1). An explicit country wins.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from nurture.adapters.db.importing import ImportDefaults, Importer
from nurture.adapters.db.tables import Contact
from nurture.adapters.importers import ImportedContact, RowProblem, read_contacts
from nurture.domain.addressing import AddressInput, Salutation, salutation_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEFAULTS = ImportDefaults(language="de", country="DE", formality="formal", consent="none", timezone="Europe/Berlin")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def contacts(path: Path) -> dict[str, ImportedContact]:
    items = list(read_contacts(path))
    assert not [item for item in items if isinstance(item, RowProblem)], items
    return {item.email: item for item in items if isinstance(item, ImportedContact) and item.email}


@pytest.mark.parametrize(
    ("language", "expected_language", "expected_country"),
    [
        ("de-AT", "de", "AT"),
        ("de_CH", "de", "CH"),
        ("DE-at", "de", "AT"),
        ("de-LI", "de", "LI"),
        ("en-GB", "en", "GB"),
        ("en-US", "en", "US"),
        ("en_us", "en", "US"),
        ("de-Latn-AT", "de", "AT"),
        ("de", "de", None),
        ("deutsch", "de", None),
        ("en-UK", "en", "GB"),  # not ISO, but unmistakable (the builder reads "UK" as GB too)
        ("de-419", "de", None),  # a UN M.49 area is no country: the default applies as before
    ],
)
def test_region_of_the_language_cell_becomes_the_country(
    tmp_path: Path, language: str, expected_language: str, expected_country: str | None
) -> None:
    path = write(tmp_path, "c.csv", f"email,first_name,last_name,language\nx@example.at,Eva,Hofer,{language}\n")
    contact = contacts(path)["x@example.at"]
    assert (contact.language, contact.country) == (expected_language, expected_country)


def test_an_empty_country_cell_takes_the_region(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.csv",
        "email,first_name,last_name,language,country\n"
        "eva@example.at,Eva,Hofer,de-AT,\n"
        "urs@example.ch,Urs,Großmann,de_CH,  \n",
    )
    found = contacts(path)
    assert found["eva@example.at"].country == "AT"
    assert found["urs@example.ch"].country == "CH"


def test_an_explicit_country_wins_over_the_region(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.csv",
        "email,first_name,last_name,language,country\n"
        "eva@example.de,Eva,Hofer,de-AT,DE\n"
        "jo@example.ie,Jo,Smith,en-GB,IE\n",
    )
    found = contacts(path)
    assert (found["eva@example.de"].language, found["eva@example.de"].country) == ("de", "DE")
    assert (found["jo@example.ie"].language, found["jo@example.ie"].country) == ("en", "IE")


def test_a_bad_country_cell_is_still_reported_not_replaced_by_the_region(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "email,last_name,language,country\nx@example.at,Hofer,de-AT,Österreich\n")
    items = list(read_contacts(path))
    problems = [item for item in items if isinstance(item, RowProblem)]
    assert len(problems) == 1 and '"country"' in problems[0].message


def test_vcard_lang_region_names_the_country_without_an_address(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.vcf",
        "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Hofer;Eva;;Mag.;\r\nGENDER:F\r\nLANG:de-AT\r\nEMAIL:eva@example.at\r\n"
        "END:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Hofer;Max;;;\r\nLANG:de-AT\r\nADR;TYPE=work:;;Hauptstr. 1;Berlin;;10115;"
        "Germany\r\nEMAIL:max@example.de\r\nEND:VCARD\r\n",
    )
    found = contacts(path)
    assert (found["eva@example.at"].language, found["eva@example.at"].country) == ("de", "AT")
    assert found["max@example.de"].country == "DE"  # the address names the country: it wins


def test_imported_contacts_get_their_national_salutation(factory, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.csv",
        "email,first_name,last_name,gender,title,language\n"
        "eva@example.at,Eva,Hofer,female,Mag.,de-AT\n"
        "urs@example.ch,Urs,Großmann,male,,de-CH\n"
        "jo@example.com,Jo,Smith,female,Dr,en-US\n"
        "ida@example.de,Ida,Groß,female,Mag.,de\n",
    )
    Importer(factory, DEFAULTS, NOW, "test", "csv").run(read_contacts(path), str(path))
    with factory() as session:
        rows = {c.email: c for c in session.scalars(select(Contact))}

    def line(email: str) -> str:
        c = rows[email]
        result = salutation_for(AddressInput(c.first_name, c.last_name, c.gender, c.title, c.language, c.country,
                                             c.formality))  # fmt: skip
        assert isinstance(result, Salutation), result
        return result.line

    assert line("eva@example.at") == "Sehr geehrte Frau Mag. Hofer,"
    assert line("urs@example.ch") == "Sehr geehrter Herr Grossmann,"
    assert line("jo@example.com") == "Dear Dr. Smith,"
    assert rows["ida@example.de"].country == "DE"  # no region: the import default as before
    assert line("ida@example.de") == "Sehr geehrte Frau Groß,"
