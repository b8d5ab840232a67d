"""clean_name / display_name (ADDRESSING.md §1) and the wording of review reasons (§6)."""

from __future__ import annotations

import pytest

from nurture.domain.addressing import AddressInput, NeedsReview, clean_name, display_name, salutation_for


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("MÜLLER", "Müller"),                      # C1
        ("müller-lüdenscheidt", "Müller-Lüdenscheidt"),
        ("O'NEILL", "O'Neill"),
        ("HANS-PETER", "Hans-Peter"),
        ("STRAUẞ", "Strauß"),                      # capital sharp s
        ("GROSS", "Gross"),                        # ß never reconstructed
        ("ŞAHİN", "Şahin"),                        # not "Şahi̇N"
        ("MCDONALD", "McDonald"),
        ("MACHADO", "Machado"),
        ("MACDONALD", "Macdonald"),                # §11: ambiguous Mac, documented outcome
        ("DeVito", "DeVito"),                      # C2 mixed case preserved
        ("MacLeod", "MacLeod"),
        ("Van Dyke", "Van Dyke"),
        ("VON DER LEYEN", "von der Leyen"),        # P2
        ("VON Weizsäcker", "von Weizsäcker"),
        ("de la cruz", "de la Cruz"),
        ("MARIA DEL CARMEN", "Maria del Carmen"),
        ("LA ROSA", "La Rosa"),                    # "la" alone is no particle
        ("Mu\u0308ller", "Müller"),                # N2
        ("  García  López\u00a0", "García López"),  # N1
        ("J.R. EWING", "J.R. Ewing"),
        ("ΟΔΥΣΣΕΑΣ", "Οδυσσεας"),
        (None, ""),
        ("   ", ""),
        ("Mül\x00ler", "Müller"),
        ("Anna\r\nMaria", "Anna Maria"),
        ("VAN DER a", "van der A"),                # stays stable when cleaned twice
    ],
)
def test_clean_name(raw: str | None, expected: str) -> None:
    assert clean_name(raw) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("ANNA", "MÜLLER", "Anna Müller"),
        (None, "von der Leyen", "von der Leyen"),
        ("Kim", None, "Kim"),
        (None, None, ""),
        (" ", "\u00a0", ""),
        ("Karl", "Freiherr von Stein", "Karl Freiherr von Stein"),
    ],
)
def test_display_name(first: str | None, last: str | None, expected: str) -> None:
    assert display_name(first, last) == expected


@pytest.mark.parametrize(
    ("inp", "code", "option"),
    [
        (AddressInput("Anna", None, "female", None, "de", "DE", "formal"), "missing_last_name", "--last-name"),
        (AddressInput(None, "Meyer", "female", None, "de", "DE", "informal"), "missing_first_name", "--first-name"),
        (AddressInput("Anna", "a@b.de", "female", None, "de", "DE", "formal"), "email_in_name", "--last-name"),
        (AddressInput("Anna", "Meyer", "female", "Hofrat", "de", "AT", "formal"), "unknown_title", "--title"),
        (AddressInput(None, "Meyer", None, None, "de", "DE", "formal"), "no_neutral_form", "--gender"),
        (AddressInput("Anna", "Meyer", "w", None, "de", "DE", "formal"), "unknown_gender", "--gender"),
    ],
)
def test_reasons_say_how_to_fix(inp: AddressInput, code: str, option: str) -> None:
    result = salutation_for(inp)
    assert isinstance(result, NeedsReview)
    assert result.code == code
    assert "nurture contacts edit" in result.reason and option in result.reason


def test_reason_quotes_value_without_control_characters() -> None:
    result = salutation_for(AddressInput("Anna", "Müller\x07 GmbH", "female", None, "de", "DE", "formal"))
    assert isinstance(result, NeedsReview)
    assert "\x07" not in result.reason
    assert "Müller" in result.reason



@pytest.mark.parametrize("first", ["Anna \u0345", "\u0301Anna", "Anna \u0301\u0308"])
def test_a_combining_mark_without_a_letter_is_reviewed(first: str) -> None:
    """Found by the bad-input suite: "Anna \u0345" printed as "Hallo Anna ͅ," with a stray mark as a word."""
    result = salutation_for(AddressInput(first, "Müller", "female", None, "de", "DE", "informal"))
    assert isinstance(result, NeedsReview) and "accent mark without a letter" in result.reason


def test_a_combining_mark_on_a_letter_is_kept() -> None:
    result = salutation_for(AddressInput("Ame\u0301lie", "Brontë", "female", None, "de", "DE", "informal"))
    assert not isinstance(result, NeedsReview) and result.line == "Liebe Amélie,"


@pytest.mark.parametrize(
    ("last", "line"),
    [
        ("Müller\u200c", "Sehr geehrte Frau Müller,"),         # a joiner at the end joins nothing
        ("\u200dMüller", "Sehr geehrte Frau Müller,"),
        ("Müller \u200d\u200c", "Sehr geehrte Frau Müller,"),   # a "word" of joiners alone is no word
        ("Schmidt\x85\u200c", "Sehr geehrte Frau Schmidt,"),    # NEL is a line break: trimmed with the joiner
        ("Mül\u200cler", "Sehr geehrte Frau Mül\u200cler,"),    # inside a word it stays
    ],
)
def test_joiners_count_only_inside_a_word(last: str, line: str) -> None:
    """Found by the bad-input suite: "Anna\\x85\\u200c" printed as "Frau Anna \\u200c," with an invisible word."""
    result = salutation_for(AddressInput("Anna", last, "female", None, "de", "DE", "formal"))
    assert not isinstance(result, NeedsReview) and result.line == line


@pytest.mark.parametrize("last", ["Müller .", "Müller -", "Müller '", "Müller-", "-Müller", "Müller \u2011 Lüdenscheidt"])
def test_a_name_part_without_letters_or_a_cut_off_hyphen_is_reviewed(last: str) -> None:
    """ "Sehr geehrte Frau Müller -," would print the stray mark; which name was meant is not guessed."""
    result = salutation_for(AddressInput("Anna", last, "female", None, "de", "DE", "formal"))
    assert isinstance(result, NeedsReview) and result.code == "invalid_characters"
    assert "part without letters or a hyphen with nothing on one side" in result.reason


def test_a_stray_mark_in_the_first_name_is_reviewed_too() -> None:
    result = salutation_for(AddressInput("Anna .", "Müller", "female", None, "en", "GB", "informal"))
    assert isinstance(result, NeedsReview) and result.code == "invalid_characters"
