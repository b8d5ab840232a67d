"""Real people whose name is also a placeholder word: Martin Kunde, Sam Tester, Na Li, Nan Yao were
sent to review for good, and the hint (`contacts edit --last-name Kunde`) could never clear it."""

from __future__ import annotations

import pytest

from nurture.domain.addressing import AddressInput, NeedsReview, salutation_for


def line(first: str, last: str, gender: str = "male", language: str = "de", country: str = "DE") -> object:
    result = salutation_for(AddressInput(first_name=first, last_name=last, gender=gender, title=None,
                                         language=language, country=country, formality="formal"))  # fmt: skip
    return result.reason if isinstance(result, NeedsReview) else result.line


@pytest.mark.parametrize(("first", "last", "gender", "language", "country", "expected"), [
    ("Martin", "Kunde", "male", "de", "DE", "Sehr geehrter Herr Kunde,"),
    ("Sam", "Tester", "male", "en", "GB", "Dear Mr Tester,"),
    ("Na", "Li", "female", "en", "GB", "Dear Ms Li,"),
    ("Nan", "Yao", "male", "en", "GB", "Dear Mr Yao,"),
    ("Yao", "Nan", "male", "en", "GB", "Dear Mr Nan,"),
    ("Ilan", "Bar", "male", "en", "US", "Dear Mr. Bar,"),
])  # fmt: skip
def test_a_real_name_that_is_also_a_placeholder_word_is_addressed(first, last, gender, language, country, expected):
    assert line(first, last, gender, language, country) == expected


@pytest.mark.parametrize(("first", "last"), [
    ("", "Kunde"),        # alone: "Sehr geehrter Herr Kunde" could be "Dear Mr Customer"
    ("Test", "Tester"),   # beside another placeholder
    ("Max", "na"),        # written as a placeholder, not as a name
    ("Max", "NA"),
    ("Kunde", "Kunde"),
])  # fmt: skip
def test_the_same_words_as_placeholders_are_still_refused(first, last):
    assert "placeholder" in str(line(first, last))
