"""Any unicode in every field of the salutation input: a salutation or a review reason, nothing else.

tests/unit/addressing/test_addressing_properties.py draws mostly printable text; here a real name
is salted with the characters that break naive code — controls, NUL, combining marks, RTL and
zero-width marks, BOM, line and paragraph separators, surrogates, private use — in every field,
and very long values; the line must have no empty name part (every word has a letter) and no doubled space.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from hypothesis import example, given, settings
from hypothesis import strategies as st

from nurture.domain.addressing import AddressInput, NeedsReview, Salutation, salutation_for

NASTY = ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\t", "\r", "\n", "\r\n", "\u00a0", "\u0301", "\u0308",
         "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202e", "\u2066", "\u2069",
         "\u2028", "\u2029", "\ufeff", "\u3000", "\u2003", "\ud800", "\udfff", "\ue000", "\U000f0000", "\ufffd",
         "\u0345", "\u034f", "\u180e", "\u061c", "  ", " ", "\u00ad"]  # fmt: skip
BASE = st.sampled_from(
    ["Anna", "Müller", "von Weizsäcker", "Dr.", "Prof. Dr.", "O'Neill", "Łukasz", "İlkay", "José"]
)
SALTED = st.tuples(BASE, st.lists(st.tuples(st.integers(0, 20), st.sampled_from(NASTY)), max_size=5)).map(
    lambda t: _salt(*t)
)
FIELD = st.one_of(st.none(), SALTED, st.text(max_size=12), st.lists(st.sampled_from(NASTY), max_size=6).map("".join),
                  st.integers(1, 40).map(lambda n: "Müller" * n * 50))  # fmt: skip
GENDER = st.one_of(*[st.sampled_from(["female", "male", "diverse"])] * 3, FIELD)
LANGUAGE = st.one_of(*[st.sampled_from(["de", "en"])] * 3, FIELD)
COUNTRY = st.one_of(*[st.sampled_from(["DE", "AT", "CH", "GB", "US"])] * 3, FIELD)
FORMALITY = st.one_of(*[st.sampled_from(["formal", "informal"])] * 3, FIELD)
# Names salted sparingly as well, so that many inputs are addressable and the line itself is checked.
NAME = st.one_of(BASE, BASE, SALTED, FIELD)


def _salt(base: str, cuts: list[tuple[int, str]]) -> str:
    for position, ch in cuts:
        at = min(position, len(base))
        base = base[:at] + ch + base[at:]
    return base


def check(result: Salutation | NeedsReview) -> str:
    assert isinstance(result, Salutation | NeedsReview), type(result)
    if isinstance(result, NeedsReview):
        assert result.code.strip() and result.reason.strip()
        assert not any(unicodedata.category(c) in {"Cc", "Cs"} for c in result.reason), repr(result.reason)
        return "review"
    line = result.line
    assert line == line.strip() and "  " not in line, repr(line)
    assert line.endswith(",") and not line.endswith(" ,"), repr(line)
    assert not any(unicodedata.category(c) in {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"} for c in line), repr(line)
    assert not any(c in line for c in "\u200b\u200e\u200f\u202a\u202b\u202e\u2066\u2069\ufeff\u061c"), repr(
        line
    )
    assert line == unicodedata.normalize("NFC", line)
    words = line[:-1].split(" ")
    assert all(w.strip() for w in words), repr(line)
    assert all(any(ch.isalpha() for ch in w) for w in words), f"a word without a letter in {line!r}"
    return "salutation"


def test_any_unicode_in_every_field_gives_a_line_or_a_reason(reliability) -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=2500, deadline=None)
    @given(first=NAME, last=NAME, gender=GENDER, title=st.one_of(st.none(), st.none(), st.sampled_from(["Dr.", "Prof. Dr.", "Mag."]), FIELD), language=LANGUAGE,
           country=COUNTRY, formality=FORMALITY, honorific=st.one_of(st.none(), st.none(), st.none(), FIELD))  # fmt: skip
    @example(first="An\u200bna", last="Mül\u0308ler", gender="female", title=None, language="de", country="DE",
             formality="formal", honorific=None)  # fmt: skip
    @example(first="Anna", last="\u202eMüller\u202c", gender="female", title="Dr.\u200f", language="de",
             country="DE", formality="formal", honorific=None)  # fmt: skip
    @example(first="Anna", last="Müller\x00", gender="female", title=None, language="de", country="DE",
             formality="formal", honorific=None)  # fmt: skip
    @example(first="Anna", last="Schmidt\x85\u200c", gender="female", title=None, language="de", country=None,
             formality="formal", honorific=None)  # fmt: skip
    @example(first="Anna", last="Müller -", gender="female", title=None, language="de", country="DE",
             formality="formal", honorific=None)  # fmt: skip
    def run(first, last, gender, title, language, country, formality, honorific) -> None:
        inp = AddressInput(first, last, gender, title, language, country, formality, honorific)
        seen[check(salutation_for(inp))] += 1
        seen["examples"] += 1
        seen["nasty"] += any(isinstance(v, str) and any(n in v for n in NASTY) for v in (first, last, title))

    run()
    reliability(
        "salutation",
        "names salted with controls, NUL, combining, RTL/zero-width marks, BOM, separators, surrogates, "
        "private use, very long values, in every field of the input",
        expected="a clean salutation line or a review reason; no other exception, no empty name part, no double space",
        observed=f"{seen['examples']} examples ({seen['nasty']} with such characters in a name or title): "
        f"{seen['salutation']} salutations, {seen['review']} review reasons, 0 exceptions",
    )
