"""Real vCard exports (iPhone, Android, Outlook, Gmail, …) read as they are, with the expected contacts.

The files live in /work/shared/corpus (see its README); each must import without a crash,
good cards become contacts with their preferred e-mail, cards without e-mail become contacts
that cannot be mailed, and nothing else is rejected.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from nurture.adapters.importers import ImportedContact, ImportNotice, RowProblem, read_contacts

CORPUS = Path(os.environ.get("NURTURE_CORPUS", "/work/shared/corpus")) / "vcard"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared vCard corpus is not available")

J = "John"
# file: [(email, first_name, last_name, company, position, birthday), ...] in card order
EXPECTED: dict[str, list[tuple[str | None, str | None, str | None, str | None, str | None, date | None]]] = {
    "John_Doe_ANDROID.vcf": [
        ("john.doe@company.com", None, None, None, None, None),
        ("jane.doe@company.com", None, None, None, None, None),
        (None, None, "Ñ Ñ Ñ Ñ", None, None, None),
        (None, None, "Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ Ñ", None, None, None),
        ("bob@company.com", "Ñ Ñ Ñ", "Ñ Ñ", "Ñ" * 12, None, None),
        ("henry@company.com", None, "ÑÑÑÑ", "Ñ" * 44, None, None),
    ],
    "John_Doe_BLACK_BERRY.vcf": [(None, "john", "Doe", "Acme Solutions", None, None)],
    "John_Doe_EVOLUTION.vcf": [("john.doe@ibm.com", J, "Doe", "IBM", "Money Counter", date(1980, 3, 22))],
    "John_Doe_GMAIL.vcf": [("john.doe@ibm.com", J, "Doe", "IBM", "Money Counter", date(1980, 3, 22))],
    "John_Doe_IPHONE.vcf": [("john.doe@ibm.com", J, "Doe", "IBM", "Money Counter", date(2012, 6, 6))],
    "John_Doe_LOTUS_NOTES.vcf": [("john.doe@ibm.com", J, "Doe", "IBM", "Generic Accountant", date(1980, 5, 21))],
    "John_Doe_MAC_ADDRESS_BOOK.vcf": [("john.doe@ibm.com", J, "Doe", "IBM", "Money Counter", date(2012, 6, 6))],
    "John_Doe_MS_OUTLOOK.vcf": [("john.doe@ibm.cm", J, "Doe", "IBM", "Money Counter", date(1980, 3, 22))],
    "fullcontact.vcf": [
        ("work@example.com", "FirstName", "LastName", "Organization1", "Title1", date(2016, 8, 1)),
    ],
    "gmail-list.vcf": [
        ("asmithk@gmail.com", "Arnold", "Smith", None, None, None),
        ("chrisy55d@yahoo.com", "Chris", "Beatle", None, None, None),
        ("dwhite@gmail.com", "Doug", "White", None, None, None),
    ],
    "gmail-single.vcf": [
        ("gdartmouth@hotmail.com", "Greg", "Dartmouth", "TheCompany", "TheJobTitle", date(1960, 9, 10)),
    ],
    "gmail-single2.vcf": [
        ("workemail@example.com", "VCard", "Test", "TheCompany", "TheJobTitle", date(1912, 6, 23)),
    ],
    "outlook-2003.vcf": [("jdoe@hotmail.com", J, "Doe", "Company, The", "The Job Title", date(1980, 3, 21))],
    "outlook-2007.vcf": [
        ("mike.angstadt@gmail.com", "Michael", "Angstadt", "TheCompany", "TheJobTitle", date(1922, 3, 10)),
    ],
    "rfc2426-example.vcf": [
        ("frank_dawson@lotus.com", "Frank", "Dawson", "Lotus Development Corporation", None, None),
        ("howes@netscape.com", "Tim", "Howes", "Netscape Communications Corp.", None, None),
    ],
    "rfc6350-example.vcf": [
        ("simon.perreault@viagenie.ca", "Simon", "Perreault", "Viagenie", None, date(1904, 2, 3)),
    ],
    "thunderbird-MoreFunctionsForAddressBook-extension.vcf": [
        ("doe.john@hotmail.com", J, "Doe", "TheOrganization", "TheTitle", date(1970, 9, 21)),
    ],
}


def test_every_corpus_file_is_covered() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.vcf")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_yields_the_expected_contacts(name: str) -> None:
    reader = read_contacts(CORPUS / name)
    items = list(reader)
    assert reader.format == "vcard"
    assert [i for i in items if isinstance(i, RowProblem)] == []
    assert all(isinstance(i, ImportedContact | ImportNotice) for i in items)
    contacts = [i for i in items if isinstance(i, ImportedContact)]
    got = [(c.email, c.first_name, c.last_name, c.company, c.position, c.birthday) for c in contacts]
    assert got == EXPECTED[name]
    assert [c.row for c in contacts] == list(range(1, len(contacts) + 1))
    assert reader.bytes_read == reader.bytes_total


def test_corpus_details_honorifics_gender_and_year_less_birthday() -> None:
    outlook = next(iter(read_contacts(CORPUS / "John_Doe_MS_OUTLOOK.vcf")))
    assert isinstance(outlook, ImportedContact)
    assert outlook.gender == "male" and outlook.title is None  # "Mr." is a gender, not an academic title
    assert outlook.country == "US"
    simon = next(iter(read_contacts(CORPUS / "rfc6350-example.vcf")))
    assert isinstance(simon, ImportedContact)
    assert simon.birthday_has_year is False and simon.gender == "male" and simon.country == "CA"
    assert simon.profile_url is None  # a personal web site is not a profile to match contacts by
    lotus = next(iter(read_contacts(CORPUS / "John_Doe_LOTUS_NOTES.vcf")))
    assert isinstance(lotus, ImportedContact) and lotus.email == "john.doe@ibm.com"  # pref over billy_bob
    outlook2003 = next(iter(read_contacts(CORPUS / "outlook-2003.vcf")))
    assert isinstance(outlook2003, ImportedContact)
    assert outlook2003.note == "This is the note field!!\nSecond line\n\nThird line is empty"
