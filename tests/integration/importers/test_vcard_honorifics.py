"""vCard N prefixes (Frau/Herr/Mr/Ms) and suffixes (Ph.D., MD) as they reach the salutation.

A card whose own honorific contradicts its GENDER must not be addressed by either one: the
contact is flagged for review (product rule 1, nothing guessed). A doctorate written as an
honorific suffix is a title: "Dear Dr Patel," (ADDRESSING.md E3).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nurture.adapters.importers import ImportedContact, ImportNotice, RowProblem, read_contacts
from nurture.domain.addressing import AddressInput, NeedsReview, Salutation, salutation_for


def card(n: str, *extra: str, email: str = "x@example.de", version: str = "4.0") -> str:
    lines = ["BEGIN:VCARD", f"VERSION:{version}", f"N:{n}", *extra, f"EMAIL:{email}", "END:VCARD"]
    return "\r\n".join(lines) + "\r\n"


def read(tmp_path: Path, text: str) -> tuple[ImportedContact, list[ImportNotice]]:
    path = tmp_path / "c.vcf"
    path.write_text(text, encoding="utf-8")
    items = list(read_contacts(path))
    assert not [item for item in items if isinstance(item, RowProblem)], items
    contacts = [item for item in items if isinstance(item, ImportedContact)]
    assert len(contacts) == 1
    return contacts[0], [item for item in items if isinstance(item, ImportNotice)]


def salutation(contact: ImportedContact, language: str = "de", country: str = "DE") -> Salutation | NeedsReview:
    return salutation_for(AddressInput(contact.first_name, contact.last_name, contact.gender, contact.title,
                                       contact.language or language, contact.country or country, "formal"))  # fmt: skip


@pytest.mark.parametrize(
    ("n", "gender"),
    [
        ("Müller;Anna;;Frau Dr.;", "M"),
        ("Müller;Anna;;Frau;", "M"),
        ("Müller;Hans;;Herr Dr.;", "F"),
        ("Smith;Jo;;Mrs.;", "M"),
        ("Smith;Jo;;Mr;", "O"),
        ("Smith;Jo;;Ms.,Dr.;", "M"),
    ],
)
def test_an_honorific_prefix_contradicting_gender_is_flagged(tmp_path: Path, n: str, gender: str) -> None:
    contact, notices = read(tmp_path, card(n, f"GENDER:{gender}"))
    result = salutation(contact)
    assert isinstance(result, NeedsReview), result
    assert result.code == "gender_conflict"
    assert any("GENDER" in notice.message and "contradict" in notice.message for notice in notices), notices


def test_the_contradicting_card_keeps_its_doctorate_for_the_fixed_record(tmp_path: Path) -> None:
    contact, _ = read(tmp_path, card("Müller;Anna;;Frau Dr.;", "GENDER:M"))
    assert contact.gender == "male" and contact.title is not None and "Dr." in contact.title
    fixed = salutation_for(AddressInput("Anna", "Müller", "female", contact.title, "de", "DE", "formal"))
    assert fixed == Salutation("Sehr geehrte Frau Dr. Müller,")


@pytest.mark.parametrize(
    ("n", "gender", "expected"),
    [
        ("Müller;Anna;;Frau Dr.;", "F", "Sehr geehrte Frau Dr. Müller,"),  # agreeing: as before
        ("Müller;Anna;;Frau Dr.;", None, "Sehr geehrte Frau Dr. Müller,"),  # the prefix alone names her
        ("Müller;Hans;;Herr;", "M", "Sehr geehrter Herr Müller,"),
        ("Müller;Anna;;Dr.;", "M", "Sehr geehrter Herr Dr. Müller,"),  # no honorific: nothing contradicts
    ],
)
def test_an_agreeing_or_lone_honorific_still_gives_the_gender(
    tmp_path: Path, n: str, gender: str | None, expected: str
) -> None:
    extra = [f"GENDER:{gender}"] if gender else []
    contact, notices = read(tmp_path, card(n, *extra))
    assert salutation(contact) == Salutation(expected)
    assert contact.title == "Dr." or "Dr." not in n
    assert not [notice for notice in notices if "contradict" in notice.message]


@pytest.mark.parametrize(
    ("suffix", "title"),
    [("Ph.D.", "Ph.D."), ("PhD", "PhD"), ("MD", "MD"), ("M.D.", "M.D."), ("DPhil", "DPhil"),
     ("Ph.D.,MBA", "Ph.D."), ("Jr.,Ph.D.", "Ph.D.")],
)  # fmt: skip
def test_a_doctorate_suffix_is_the_title(tmp_path: Path, suffix: str, title: str) -> None:
    contact, _ = read(tmp_path, card(f"Patel;Priya;;;{suffix}", "GENDER:F", "LANG:en-GB"))
    assert contact.title == title
    assert salutation(contact) == Salutation("Dear Dr Patel,")


def test_a_doctorate_suffix_in_us_style_and_without_gender(tmp_path: Path) -> None:
    contact, _ = read(tmp_path, card("Patel;Priya;;;Ph.D.", "LANG:en-US"))
    assert salutation(contact) == Salutation("Dear Dr. Patel,")  # E3: Dr is gender-free


def test_a_doctorate_suffix_is_no_german_doctorate(tmp_path: Path) -> None:
    """PhD/MD are "Dr" in English only (E3); German salutations keep only Dr./Professor (T1)."""
    contact, _ = read(tmp_path, card("Patel;Priya;;;Ph.D.", "GENDER:F", "LANG:de"))
    assert salutation(contact) == Salutation("Sehr geehrte Frau Patel,")


def test_a_prefix_title_wins_over_the_suffix(tmp_path: Path) -> None:
    contact, _ = read(tmp_path, card("Clarke;Ann;;Prof.;Ph.D.", "GENDER:F", "LANG:en-GB"))
    assert contact.title == "Prof."
    assert salutation(contact) == Salutation("Dear Professor Clarke,")


@pytest.mark.parametrize("suffix", ["Jr.", "III", "MBA", "Esq."])
def test_other_suffixes_are_not_titles(tmp_path: Path, suffix: str) -> None:
    contact, _ = read(tmp_path, card(f"Smith;John;;;{suffix}", "GENDER:M", "LANG:en-US"))
    assert contact.title is None
    assert salutation(contact) == Salutation("Dear Mr. Smith,")


def test_prefixes_contradicting_each_other_leave_the_gender_unknown(tmp_path: Path) -> None:
    contact, notices = read(tmp_path, card("Müller;Kim;;Frau,Herr;"))
    assert contact.gender is None
    assert salutation(contact) == Salutation("Guten Tag, Kim Müller,")
    assert any("contradict each other" in notice.message for notice in notices), notices


def test_a_foreign_prefix_against_gender_is_kept_as_an_honorific_the_builder_reads(tmp_path: Path) -> None:
    contact, _ = read(tmp_path, card("Dubois;Claire;;Madame;", "GENDER:M"))
    assert contact.gender == "male" and contact.title == "Ms"
    result = salutation(contact)
    assert isinstance(result, NeedsReview) and result.code == "gender_conflict"


def test_gender_u_keeps_the_gender_unknown_despite_a_prefix(tmp_path: Path) -> None:
    contact, notices = read(tmp_path, card("Müller;Kim;;Frau;", "GENDER:U"))
    assert contact.gender is None and contact.title is None
    assert not [notice for notice in notices if "contradict" in notice.message]


def test_an_informal_contact_with_a_contradicting_prefix_is_flagged_too(tmp_path: Path) -> None:
    contact, _ = read(tmp_path, card("Müller;Anna;;Frau;", "GENDER:M"))
    result = salutation_for(AddressInput(contact.first_name, contact.last_name, contact.gender, contact.title,
                                         "de", "DE", "informal"))  # fmt: skip
    assert isinstance(result, NeedsReview) and result.code == "gender_conflict"
