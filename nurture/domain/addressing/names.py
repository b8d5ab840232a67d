"""Cleaning and recasing of name fields (ADDRESSING.md §1 N1, N2, C1-C3, P2).

Names arrive from CSV exports, vCards and CRM fields: trailing no-break spaces, decomposed
umlauts, SHOUTED or all-lower spellings. A wrong-looking name is the first thing a contact
notices, so recasing is deliberately narrow: only flat-case names are touched, mixed case is
the bearer's own spelling and is kept.
"""

from __future__ import annotations

import functools
import unicodedata

# Leading separable particles (P1/P2). A "follow" particle only counts after another particle,
# so "La Rosa" or "Der" on their own stay surnames.
CORE_PARTICLES = frozenset(
    {"von", "vom", "zu", "zum", "zur", "van", "ten", "ter", "te", "de", "del", "della", "di", "da",
     "das", "dos", "do", "du"}
)
FOLLOW_PARTICLES = frozenset({"der", "den", "dem", "het", "la", "las", "los", "und"})
# P3 rank words that give way to Herr/Frau, with the abbreviations civil registers print
# ("Karl Frhr. von Stein"); the value is the gender the word implies.
RANK_WORDS_FREE = {"freiherr": "male", "freifrau": "female", "freiin": "female", "frhr.": "male", "frfr.": "female",
                   "frhr": "male", "frfr": "female"}

# Segment separators for recasing (C1): space, hyphens, apostrophes, and the dot of initials.
_SEPARATORS = frozenset(" -\u2010\u2011'\u2019\u02bc.")
# Invisible format characters kept because some scripts need them inside a name.
_JOINERS = "\u200c\u200d"
_KEPT_FORMAT = frozenset(_JOINERS)


def normalise(value: object) -> str:
    """NFC, invisible format characters removed, whitespace trimmed and collapsed (N1, N2)."""
    if not isinstance(value, str):
        return ""
    text = unicodedata.normalize("NFC", value)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf" or ch in _KEPT_FORMAT)
    return unicodedata.normalize("NFC", _single_spaced(text))


def _single_spaced(text: str) -> str:
    """Words joined by single spaces; a joiner joins the characters either side, so one at a word's edge goes."""
    words = (word.strip(_JOINERS) for word in text.split())
    return " ".join(word for word in words if word)


def strip_unprintable(text: str) -> str:
    """Drop control, surrogate, private-use and unassigned code points (never part of a name)."""
    cleaned = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cs", "Co", "Cn"})
    return _single_spaced(cleaned)


def _cased_letters(text: str) -> tuple[bool, bool]:
    """(has upper, has lower), ignoring ß, which has no capital in everyday writing."""
    upper = any(ch.isupper() for ch in text)
    lower = any(ch.islower() and ch != "ß" for ch in text)
    return upper, lower


def is_flat(text: str) -> bool:
    """True for ALL-CAPS or all-lower-case text (C1); mixed case is the bearer's spelling."""
    upper, lower = _cased_letters(text)
    return upper != lower


def _lower(text: str) -> str:
    """Lower-case without the stray combining dot of Turkish İ, with Greek final sigma."""
    lowered = text.replace("İ", "i").lower()
    if "σ" not in lowered:
        return lowered
    chars = list(lowered)
    for index, ch in enumerate(chars):
        after = chars[index + 1] if index + 1 < len(chars) else ""
        if ch == "σ" and index > 0 and chars[index - 1].isalpha() and not after.isalpha():
            chars[index] = "ς"
    return "".join(chars)


def _recase_token(token: str) -> str:
    """Recase one flat token: first letter of every segment upper, the rest lower, Mc+letter."""
    lowered = _lower(token)
    if len(lowered) != len(token):  # a code point whose lower case has another length
        return token
    out: list[str] = []
    start = True
    for original, low in zip(token, lowered, strict=True):
        if low in _SEPARATORS:
            out.append(low)
            start = True
            continue
        if start and low.isalpha():
            titled = low.title()
            out.append(original if original == "İ" else (titled if len(titled) == 1 else low))
            start = False
        else:
            out.append(low)
    result = "".join(out)
    segments = _split_segments(result)
    return "".join(_mc(segment) for segment in segments)


def _split_segments(text: str) -> list[str]:
    parts: list[str] = []
    current = ""
    for ch in text:
        current += ch
        if ch in _SEPARATORS:
            parts.append(current)
            current = ""
    parts.append(current)
    return parts


def _mc(segment: str) -> str:
    """`MCDONALD` -> `McDonald`; `Mac` is left alone because of Machado, Mack, Macey (C1)."""
    if len(segment) > 2 and segment.startswith("Mc") and segment[2].isalpha():
        upper = segment[2].upper()
        if len(upper) == 1:
            return "Mc" + upper + segment[3:]
    return segment


def particle_flags(tokens: list[str]) -> list[bool]:
    """Which tokens are particles by spelling alone (lower-cased comparison, adjacency rule)."""
    flags: list[bool] = []
    for index, token in enumerate(tokens):
        low = _lower(token)
        flags.append(low in CORE_PARTICLES or (low in FOLLOW_PARTICLES and index > 0 and flags[index - 1]))
    return flags


def recase(text: str) -> str:
    """Apply C1 (flat-case recasing) and P2 (particles lower-case) to a normalised name."""
    if not text:
        return text
    tokens = text.split(" ")
    flags = particle_flags(tokens)
    if is_flat(text):
        out = []
        for index, token in enumerate(tokens):
            if flags[index] and index < len(tokens) - 1:
                out.append(_lower(token))
            else:
                out.append(_recase_token(token))
        return unicodedata.normalize("NFC", " ".join(out))
    # Mixed case is kept exactly, except a shouted leading particle ("VON Weizsäcker"), also after a
    # P3 rank word ("Freiherr VON Stein").
    out = list(tokens)
    start = 1 if len(tokens) > 2 and tokens[0].lower() in RANK_WORDS_FREE else 0
    for index, token in enumerate(tokens[:-1]):
        if index < start:
            continue
        if not flags[index]:
            break
        if token.isupper():
            out[index] = _lower(token)
    result = " ".join(out)
    if is_flat(result):  # "VAN DER a": lowering the particles left a flat name, so recase it
        return recase(result)
    return unicodedata.normalize("NFC", result)


@functools.lru_cache(maxsize=8192)  # lists and senders print the same names again and again
def clean_name(value: str | None) -> str:
    """A name field ready to print: NFC, single spaces, flat case fixed, particles lower-case."""
    try:
        return recase(strip_unprintable(normalise(value)))
    except Exception:  # a name cleaner must never take a listing down
        return strip_unprintable(normalise(value))


def display_name(first_name: str | None, last_name: str | None) -> str:
    """Cleaned "First Last" for To: headers and lists; "" when both are missing."""
    return " ".join(part for part in (clean_name(first_name), clean_name(last_name)) if part)
