"""Salutations a tester found wrong: company names, placeholder phrases, Dr.in with a field, a stray full stop.

Each case names the ADDRESSING.md rule it follows. An expected value starting with "review:"
means the builder must refuse with that code; the reason must name the field to fix.
"""

from __future__ import annotations

import pytest
from test_addressing_table import Case, de, en

from nurture.domain.addressing import AddressInput, NeedsReview, Salutation, salutation_for

CASES: list[Case] = [
    # M5: Austrian legal forms, and forms written with dots or spaces, at the end of a last name
    de("M5-at-gesmbh-dotted", "review:company_in_name", "Anna", "Bauer Ges.m.b.H.", "female", country="AT"),
    de("M5-at-gesmbh", "review:company_in_name", "Hans", "Meier GesmbH", "male", country="AT"),
    de("M5-at-gesmbh-caps", "review:company_in_name", "Hans", "MEIER GESMBH", "male", country="AT"),
    de("M5-at-og", "review:company_in_name", "Eva", "Wolf OG", "female", country="AT"),
    de("M5-at-keg", "review:company_in_name", "Eva", "Wolf KEG", "female", country="AT"),
    de("M5-at-eu-dotted", "review:company_in_name", "Eva", "Schulz e.U.", "female", country="AT"),
    de("M5-at-eu-spaced", "review:company_in_name", "Eva", "Schulz e. U.", "female", country="AT"),
    de("M5-at-eu-undotted", "review:company_in_name", "Eva", "Schulz eU", "female", country="AT"),
    de("M5-ev-din-spaced", "review:company_in_name", "Kim", "Förderverein e. V.", None),
    de("M5-ev-spaced-no-final-dot", "review:company_in_name", "Kim", "Förderverein e. V", None),
    de("M5-ek-undotted", "review:company_in_name", "Jan", "Müller eK", "male"),
    de("M5-ek-spaced", "review:company_in_name", "Jan", "Müller e. K.", "male"),
    de("M5-ekfm", "review:company_in_name", "Jan", "Müller e.Kfm.", "male"),
    de("M5-co-dotted-last", "review:company_in_name", "Jan", "Meier Co.", "male"),
    en("M5-hu-kft", "review:company_in_name", "Jan", "Meier Kft", "male"),
    en("M5-hu-kft-dotted", "review:company_in_name", "Jan", "Meier Kft.", "male"),
    en("M5-cz-sro", "review:company_in_name", "Jan", "Meier s.r.o.", "male"),
    en("M5-cz-sro-spaced", "review:company_in_name", "Jan", "Meier s. r. o.", "male"),
    en("M5-cz-spol-sro", "review:company_in_name", "Jan", "Meier spol. s r.o.", "male"),
    en("M5-pl-sp-zoo", "review:company_in_name", "Jan", "Meier Sp. z o.o.", "male"),
    en("M5-pl-sp-zoo-spaced", "review:company_in_name", "Jan", "Meier sp. z o. o.", "male"),
    en("M5-pl-sp-zoo-tight", "review:company_in_name", "Jan", "Meier Sp.z o.o.", "male"),
    # ... but surnames that merely look like a short legal form stay names
    de("C2-og-mixed-case-is-name", "Sehr geehrter Herr Og,", "Min", "Og", "male"),
    de("C2-og-alone-caps-is-name", "Sehr geehrter Herr Og,", "Min", "OG", "male"),
    de("C2-og-lower-after-word-is-name", "Sehr geehrter Herr Kim Og,", "Min", "Kim Og", "male"),
    en("C2-co-undotted-is-name", "Dear Ms Co,", "Mei", "Co", "female"),
    en("C2-co-undotted-after-word-is-name", "Dear Ms Tan Co,", "Mei", "Tan Co", "female"),
    de("C2-eu-word-in-name-kept", "Sehr geehrte Frau Eu,", "Mai", "Eu", "female"),
    de("C2-st-john-still-kept", "Sehr geehrte Frau St. John,", "Ann", "St. John", "female"),
    # M3: a field made only of placeholder words, or a placeholder abbreviation
    de("M3-unknown-unknown", "review:placeholder_name", "Anna", "Unknown Unknown", "female"),
    de("M3-kein-name", "review:placeholder_name", "Kim", "Kein Name", None),
    de("M3-name-unbekannt", "review:placeholder_name", "Anna", "Name Unbekannt", "female"),
    de("M3-ohne-angabe", "review:placeholder_name", "Anna", "ohne Angabe", "female"),
    de("M3-keine-angabe-caps", "review:placeholder_name", "Anna", "KEINE ANGABE", "female"),
    de("M3-o-a-dotted", "review:placeholder_name", "Anna", "o.A.", "female"),
    de("M3-o-a-spaced", "review:placeholder_name", "Anna", "o. A.", "female"),
    de("M3-k-a-still-refused", "review:placeholder_name", "Anna", "k.A.", "female"),
    de("M3-n-n-still-refused", "review:placeholder_name", "Anna", "N.N.", "female"),
    en("M3-not-provided", "review:placeholder_name", "Anna", "Not Provided", "female"),
    en("M3-first-name-unknown-unknown", "review:placeholder_name", "Unknown Unknown", "Smith", None),
    de("M3-test-kunde", "review:placeholder_name", "Anna", "Test Kunde", "female"),
    # ... a real name beside a placeholder word keeps today's behaviour (ambiguous placeholders)
    de("M3-kunde-beside-real-first", "Sehr geehrter Herr Kunde,", "Martin", "Kunde", "male"),
    de("M3-kunde-beside-placeholder-phrase", "review:placeholder_name", "Unknown Unknown", "Kunde", None),
    en("M3-real-compound-surname-kept", "Dear Ms Bar Lev,", "Dana", "Bar Lev", "female"),
    # A2: the gendered Austrian doctorate is kept when a field follows ("Dr.in med." -> "Dr.in")
    de("A2-dr-in-med", "Sehr geehrte Frau Dr.in Gruber,", "Eva", "Gruber", "female", "Dr.in med.", country="AT"),
    de("A2-dr-in-rer-nat", "Sehr geehrte Frau Dr.in Gruber,", "Eva", "Gruber", "female", "Dr.in rer. nat.",
       country="AT"),  # fmt: skip
    de("A2-dr-in-spaced-med", "Sehr geehrte Frau Dr.in Gruber,", "Eva", "Gruber", "female", "Dr. in med.",
       country="AT"),  # fmt: skip
    de("A2-ddr-in-med", "Sehr geehrte Frau DDr.in Gruber,", "Eva", "Gruber", "female", "DDr.in med.", country="AT"),
    de("A2-dr-med-not-gendered", "Sehr geehrte Frau Dr. Gruber,", "Eva", "Gruber", "female", "Dr. med.",
       country="AT"),  # fmt: skip
    de("T1-dr-in-med-de", "Sehr geehrte Frau Dr. Gruber,", "Eva", "Gruber", "female", "Dr.in med."),
    de("T6-dr-in-med-neutral-at", "Guten Tag, Dr. Kim Gruber,", "Kim", "Gruber", None, "Dr.in med.", country="AT"),
    de("A2-dr-in-med-male-conflict", "review:gender_conflict", "Kim", "Gruber", "male", "Dr.in med.", country="AT"),
    # Output contract / nothing guessed: a word cut off with a full stop is not printed
    de("N1-trailing-full-stop", "review:abbreviated_name", "Jana", "Mueller.", "female"),
    de("N1-trailing-full-stop-two-words", "review:abbreviated_name", "Jana", "Meyer Mueller.", "female"),
    en("N1-trailing-full-stop-en", "review:abbreviated_name", "John", "Smith Esq.", "male"),
    de("N1-trailing-full-stop-first-informal", "review:abbreviated_name", "Jana.", "Mueller", "female",
       formality="informal"),  # fmt: skip
    de("N1-trailing-full-stop-first-neutral", "review:abbreviated_name", "Chr.", "Mueller", None),
    # G2: like an initial, an abbreviated first name is harmless while it is not printed
    de("G2-abbreviated-first-not-printed", "Sehr geehrter Herr Mueller,", "Chr.", "Mueller", "male"),
    en("E3-abbreviated-first-dr", "Dear Dr Mueller,", "Chr.", "Mueller", None, "Dr."),
    de("N1-initial-first-name-still-harmless", "Sehr geehrte Frau Mueller,", "J.", "Mueller", "female"),
    de("N1-hyphen-initial-kept", "Guten Tag, Hans-J. Mueller,", "Hans-J.", "Mueller", None),
    de("N1-double-initial-kept", "Guten Tag, Anna M. Mueller,", "Anna M.", "Mueller", None),
    de("N1-frhr-abbreviation-still-read", "Sehr geehrter Herr von Stein,", "Karl", "Frhr. von Stein", "male"),
]


def _run(case: Case) -> Salutation | NeedsReview:
    return salutation_for(
        AddressInput(
            first_name=case.first,
            last_name=case.last,
            gender=case.gender,
            title=case.title,
            language=case.language,
            country=case.country,
            formality=case.formality,
        )
    )


def test_case_ids_are_unique() -> None:
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hunt_findings(case: Case) -> None:
    result = _run(case)
    if case.expected.startswith("review:"):
        assert isinstance(result, NeedsReview), result
        assert result.code == case.expected.removeprefix("review:"), result
        assert result.reason[0].isupper() and result.reason.endswith(".")
        assert "nurture contacts edit" in result.reason
    else:
        assert isinstance(result, Salutation), result
        assert result.line == case.expected


def test_company_reason_says_it_looks_like_a_company() -> None:
    result = _run(de("x", "", "Anna", "Bauer Ges.m.b.H.", "female", country="AT"))
    assert isinstance(result, NeedsReview)
    assert '"Bauer Ges.m.b.H."' in result.reason and "looks like a company" in result.reason
    assert "--last-name" in result.reason


def test_placeholder_phrase_reason_names_the_field() -> None:
    result = _run(de("x", "", "Kim", "Kein Name", None))
    assert isinstance(result, NeedsReview)
    assert '"Kein Name"' in result.reason and "placeholder" in result.reason and "--last-name" in result.reason


def test_trailing_full_stop_reason_says_what_to_do() -> None:
    result = _run(de("x", "", "Jana", "Mueller.", "female"))
    assert isinstance(result, NeedsReview)
    assert '"Mueller."' in result.reason and "full stop" in result.reason and "--last-name" in result.reason
