"""The importers' records as the database importer consumes them: every test file goes in whole."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from nurture.adapters.db.importing import ImportDefaults, Importer
from nurture.adapters.db.tables import Contact
from nurture.adapters.importers import read_contacts

DATA = Path(__file__).resolve().parents[2] / "data"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEFAULTS = ImportDefaults(language="de", country="DE", formality="formal", consent="none", timezone="Europe/Berlin")


def run(factory, name: str):
    reader = read_contacts(DATA / name)
    importer = Importer(factory, DEFAULTS, NOW, "test", reader.format)
    return importer.run(reader, str(DATA / name))


@pytest.mark.parametrize(
    ("name", "created", "rejected"),
    [("contacts.csv", 30, 0), ("broken.csv", 3, 8), ("linkedin_connections.csv", 8, 2), ("contacts.vcf", 6, 4)],
)
def test_every_good_record_is_stored_and_a_second_import_changes_nothing(factory, name, created, rejected) -> None:
    first = run(factory, name)
    assert (first.created, first.rejected) == (created, rejected)
    again = run(factory, name)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, created, rejected)


def test_stored_values_keep_text_idn_and_year_less_birthdays(factory) -> None:
    run(factory, "contacts.csv")
    run(factory, "contacts.vcf")
    with factory() as session:
        by_email = {c.email: c for c in session.scalars(select(Contact))}
    assert by_email["formula@example.com"].last_name == '=HYPERLINK("http://x.example","y")'
    assert by_email["claudia.fischer@bücher.example"].first_name == "Claudia"
    assert by_email["thomas.schmidt@example.de"].birthday == "--11-03"
    assert by_email["anna.mueller@example.de"].birthday == "1980-05-17"
    assert by_email["maria.becker@example.de"].title == "Prof. Dr."
    assert by_email[None].last_name == "Lang"  # a card without e-mail: a contact that cannot be mailed
