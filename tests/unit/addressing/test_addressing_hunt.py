"""Regression cases for salutations that were wrong, guessed, refused without need, or unclear.

Each case names the ADDRESSING.md rule it follows. An expected value starting with "review:"
means the builder must refuse with that code; the reason must name the field to fix.
"""

from __future__ import annotations

import pytest
from test_addressing_table import Case, de, en

from nurture.domain.addressing import AddressInput, NeedsReview, Salutation, clean_name, salutation_for

CASES: list[Case] = [
    # T2/T3/D4: "Prof.Dr." without spaces is the same title as "Prof. Dr."
    de("T3-prof-dr-unspaced", "Sehr geehrter Herr Professor Weber,", "Karl", "Weber", "male", "Prof.Dr."),
    de(
        "T4-prof-dr-dr-unspaced",
        "Sehr geehrte Frau Professorin Weber,",
        "Eva",
        "Weber",
        "female",
        "Prof.Dr.Dr.",
    ),
    de(
        "T3-prof-dr-unspaced-caps", "Sehr geehrter Herr Professor Weber,", "Karl", "Weber", "male", "PROF.DR."
    ),
    en("E3-prof-dr-unspaced", "Dear Professor Weber,", "Karl", "Weber", "male", "Prof.Dr.", country="US"),
    de(
        "A3-mag-dr-unspaced",
        "Sehr geehrte Frau Dr. Pichler,",
        "Ida",
        "Pichler",
        "female",
        "Mag.Dr.",
        country="AT",
    ),
    # T1: the honour qualifier E.h. (Ehren halber) is dropped like h.c.
    de("T1-dr-ing-eh", "Sehr geehrter Herr Dr. Weber,", "Karl", "Weber", "male", "Dr.-Ing. E.h."),
    de("T1-dr-eh-lower", "Sehr geehrte Frau Dr. Weber,", "Eva", "Weber", "female", "Dr. e.h."),
    # A1/A3: a Diplom followed by another degree is two degrees, never "Dipl.-Kffr.Mag."
    de(
        "A3-dipl-kffr-mag",
        "Sehr geehrte Frau Dipl.-Kffr. Berger,",
        "Rosa",
        "Berger",
        "female",
        "Dipl.-Kffr. Mag.",
        country="AT",
    ),
    de(
        "A1-dipl-paed-in-kept",
        "Sehr geehrte Frau Dipl.-Päd.in Berger,",
        "Rosa",
        "Berger",
        "female",
        "Dipl.-Päd.in",
        country="AT",
    ),
    # A2: the gendered Mag.a is kept when a field qualifier follows
    de(
        "A2-mag-a-with-field",
        "Sehr geehrte Frau Mag.a Huber,",
        "Eva",
        "Huber",
        "female",
        "Mag.a pharm.",
        country="AT",
    ),
    # A2 + record contradiction: a female degree form with gender male is not printed after "Herr"
    de("A2-mag-a-male-conflict", "review:gender_conflict", "Kim", "Weber", "male", "Mag.a", country="AT"),
    de("A2-dr-in-male-conflict", "review:gender_conflict", "Kim", "Weber", "male", "Dr.in", country="AT"),
    de(
        "A2-dipl-ing-in-male-conflict",
        "review:gender_conflict",
        "Kim",
        "Weber",
        "male",
        "Dipl.-Ing.in",
        country="AT",
    ),
    de("T4-professorin-male-conflict", "review:gender_conflict", "Kim", "Weber", "male", "Professorin"),
    en("E3-prof-in-male-conflict", "review:gender_conflict", "Kim", "Weber", "male", "Prof.in"),
    # T6: the neutral form uses gender-free abbreviations, also for Austrian degrees
    de("T6-mag-a-neutral", "Guten Tag, Mag. Kim Weber,", "Kim", "Weber", None, "Mag.a", country="AT"),
    de("T6-dr-in-neutral-at", "Guten Tag, Dr. Kim Weber,", "Kim", "Weber", "diverse", "Dr.in", country="AT"),
    de(
        "T6-dipl-ing-in-neutral",
        "Guten Tag, Dipl.-Ing. Kim Weber,",
        "Kim",
        "Weber",
        None,
        "Dipl.-Ing.in",
        country="AT",
    ),
    de("T6-mmag-a-neutral", "Guten Tag, MMag. Kim Weber,", "Kim", "Weber", None, "MMag.a", country="AT"),
    # T5/A4/E4: degrees written into a name field would be printed; refuse instead
    de("T5-phd-after-last-name", "review:title_in_name", "Anna", "Huber PhD", "female"),
    de("T5-mba-after-last-name", "review:title_in_name", "Anna", "Huber MBA", "female"),
    de("T5-msc-after-last-name", "review:title_in_name", "Anna", "Huber M.Sc.", "female"),
    de("T1-dr-after-last-name", "review:title_in_name", "Anna", "Müller Dr.", "female"),
    de(
        "I1-ing-after-first-name", "review:title_in_name", "Hans Ing.", "Müller", "male", formality="informal"
    ),
    de(
        "I1-dr-after-first-name", "review:title_in_name", "Anna Dr.", "Müller", "female", formality="informal"
    ),
    de("A1-di-before-last-name", "review:title_in_name", "Anna", "DI Huber", "female", country="AT"),
    de("A1-di-before-first-name", "review:title_in_name", "DI Hans", "Huber", "male", formality="informal"),
    de("A2-mmag-before-last-name", "review:title_in_name", "Anna", "MMag. Huber", "female", country="AT"),
    de("A2-ddr-before-last-name", "review:title_in_name", "Anna", "DDr. Huber", "female", country="AT"),
    de("G1-herrn-in-last-name", "review:title_in_name", "Hans", "Herrn Müller", "male"),
    de("X-hofrat-in-last-name", "review:title_in_name", "Hans", "Hofrat Huber", "male", country="AT"),
    en("E4-phd-after-last-name-en", "review:title_in_name", "Min", "Lee PhD", "male"),
    # Names that merely look like degrees stay names
    de("C2-ma-surname-kept", "Sehr geehrte Frau Ma,", "Lin", "Ma", "female"),
    de("C2-st-john-kept", "Sehr geehrte Frau St. John,", "Ann", "St. John", "female"),
    # G2: birth-name notes and generation suffixes are not part of the salutation; refuse, do not guess
    de("G2-geb-in-last-name", "review:note_in_name", "Anna", "Müller geb. Schmidt", "female"),
    de("G2-jun-in-last-name", "review:note_in_name", "Hans", "Müller jun.", "male"),
    en("E1-jr-in-last-name", "review:note_in_name", "John", "Smith Jr.", "male", country="US"),
    en("E1-jr-undotted", "review:note_in_name", "John", "Smith Jr", "male", country="US"),
    en("E1-generation-suffix", "review:note_in_name", "John", "Smith III", "male", country="US"),
    en("E1-nee", "review:note_in_name", "Anne", "Miller née Smith", "female", country="GB"),
    de("G2-geborene-spelled-out", "review:note_in_name", "Anna", "Müller geborene Schmidt", "female"),
    en("E1-nee-is-a-surname", "Dear Ms Nee,", "Mary", "Nee", "female", country="GB"),
    # M1: a capitalised one-word surname that is also a particle elsewhere is a surname
    de("M1-das-is-surname", "Sehr geehrte Frau Das,", "Priya", "Das", "female"),
    en("M1-du-is-surname", "Dear Ms. Du,", "Mei", "Du", "female", country="US"),
    de("M1-do-caps-is-surname", "Sehr geehrter Herr Do,", "Minh", "DO", "male"),
    de("M1-de-is-surname", "Guten Tag, Anjali De,", "Anjali", "De", None),
    de("M1-lower-das-still-particle", "review:particle_only", "Priya", "das", "female"),
    de("M1-von-capitalised-still-particle", "review:particle_only", "Anna", "Von", "female"),
    de("M1-zu-still-particle", "review:particle_only", "Anna", "ZU", "female"),
    # P3: a rank word alone leaves no surname to print
    de("P3-freiin-alone", "review:particle_only", "Anna", "FREIIN", "female"),
    de("P3-freiherr-alone", "review:particle_only", "Karl", "Freiherr", "male"),
    # P2: a shouted particle after Freiherr is lowered like any other
    de("P2-freiherr-caps-von", "Sehr geehrter Herr von Stein,", "Karl", "Freiherr VON Stein", "male"),
    # P3: the register abbreviations Frhr. / Frfr. are the rank words themselves
    de("P3-frhr", "Sehr geehrter Herr von Stein,", "Karl", "Frhr. von Stein", "male"),
    de("P3-frhr-caps", "Sehr geehrter Herr von Stein,", "KARL", "FRHR. VON STEIN", "male"),
    de("P3-frfr", "Sehr geehrte Frau von Stein,", "Maria", "Frfr. von Stein", "female"),
    de("P3-frhr-conflict", "review:gender_conflict", "Maria", "Frhr. von Stein", "female"),
    de("P3-frhr-undotted", "Sehr geehrter Herr von Stein,", "Karl", "Frhr von Stein", "male"),
    de("P3-frfr-undotted", "Sehr geehrte Frau von Stein,", "Maria", "Frfr von Stein", "female"),
    de("P3-frhr-in-title", "Sehr geehrter Herr von Stein,", "Karl", "von Stein", "male", "Frhr."),
    # G2/E3/E5: an initial in the first name is harmless when the first name is not printed
    de("G2-initial-first-known-gender", "Sehr geehrte Frau Müller,", "A.", "Müller", "female"),
    en("E1-initial-first-known-gender", "Dear Mr. Müller,", "A.", "Müller", "male", country="US"),
    en("E5-initial-first-diverse", "Dear Mx Müller,", "A.", "Müller", "diverse"),
    en("E3-initial-first-dr", "Dear Dr Müller,", "A.", "Müller", None, "Dr."),
    de("G3-initial-first-neutral-refused", "review:initial_only", "A.", "Müller", None),
    en("E6-initial-first-unknown-refused", "review:initial_only", "A.", "Müller", None),
    de(
        "I1-initial-first-informal-refused",
        "review:initial_only",
        "A.",
        "Müller",
        "female",
        formality="informal",
    ),
    # One CJK character is a whole surname, not an initial
    de("C3-cjk-one-character-surname", "Sehr geehrte Frau 王,", "Ming", "王", "female"),
    en("C3-two-letter-surname-kept", "Dear Mr Li,", "Wei", "Li", "male"),
    de("X-latin-one-letter-still-initial", "review:initial_only", "Anna", "M", "female"),
    # §3/§4/E2: a country that is no ISO code would silently get the wrong national variant
    de(
        "A1-country-name-refused",
        "review:unknown_country",
        "Eva",
        "Huber",
        "female",
        "Mag.",
        country="Österreich",
    ),
    en("E2-alpha3-refused", "review:unknown_country", "Jo", "Smith", "female", "Dr", country="USA"),
    de("S1-country-name-refused", "review:unknown_country", "Urs", "Großmann", "male", country="Schweiz"),
    Case("E2-region-from-language", "Dear Dr. Smith,", "Jo", "Smith", "female", "Dr", "en-US", None),
    de("E2-uk-alias-still-accepted", "Sehr geehrte Frau Huber,", "Eva", "Huber", "female", country="uk"),
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
def test_hunt_table(case: Case) -> None:
    result = _run(case)
    if case.expected.startswith("review:"):
        assert isinstance(result, NeedsReview), result
        assert result.code == case.expected.removeprefix("review:"), result
        assert result.reason[0].isupper() and result.reason.endswith(".")
        assert "nurture contacts edit" in result.reason
    else:
        assert isinstance(result, Salutation), result
        assert result.line == case.expected


def test_female_form_conflict_names_the_title() -> None:
    result = _run(de("x", "", "Kim", "Weber", "male", "Mag.a", country="AT"))
    assert isinstance(result, NeedsReview)
    assert '"Mag.a"' in result.reason and "female form" in result.reason


def test_degree_in_name_reason_names_the_degree() -> None:
    result = _run(de("x", "", "Anna", "Huber PhD", "female"))
    assert isinstance(result, NeedsReview)
    assert '"PhD"' in result.reason and "--title" in result.reason


def test_rank_conflict_reason_for_diverse_names_the_rank() -> None:
    """Diverse is not "the other sex"; the reason says which rank word disagrees."""
    result = _run(de("x", "", "Kim", "Freifrau von Stein", "diverse"))
    assert isinstance(result, NeedsReview) and result.code == "gender_conflict"
    assert "rank word for a woman" in result.reason and "other sex" not in result.reason


def test_unknown_country_reason_says_what_to_write() -> None:
    result = _run(de("x", "", "Eva", "Huber", "female", country="Österreich"))
    assert isinstance(result, NeedsReview)
    assert (
        '"Österreich"' in result.reason
        and "two-letter ISO code" in result.reason
        and "--country" in result.reason
    )


def test_clean_name_lowers_a_shouted_particle_after_a_rank_word() -> None:
    """P2 also in lists and To: headers: "Freiherr VON Stein" is shown as "Freiherr von Stein"."""
    assert clean_name("Freiherr VON Stein") == "Freiherr von Stein"
    assert clean_name("Frhr. VON DER Leyen") == "Frhr. von der Leyen"
    assert clean_name("Freiherr Von Stein") == "Freiherr Von Stein"  # C2: capitalised by the bearer
