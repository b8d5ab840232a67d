"""Reading single values from import files, each with a message a marketer can act on.

Every parser takes the raw text and returns the stored value, or raises ValueProblem whose
message says what was found and how to write it instead. The file readers add the column
or vCard property name in front.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from functools import lru_cache
from zoneinfo import available_timezones

from nurture.domain.birthdays import NO_YEAR, implausible_birthday
from nurture.domain.vocabulary import (
    CONSENTS,
    COUNTRY_CODES,
    FORMALITIES,
    GENDERS,
    LANGUAGES,
    MAX_LENGTH,
    TIERS,
)

_COUNTRIES = frozenset(COUNTRY_CODES)

# Country names as address books write them (vCard ADR), mapped to their code.
COUNTRY_NAMES: dict[str, str] = {
    "germany": "DE", "deutschland": "DE", "federal republic of germany": "DE", "brd": "DE",
    "austria": "AT", "österreich": "AT", "oesterreich": "AT",
    "switzerland": "CH", "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "liechtenstein": "LI",
    "united states": "US", "united states of america": "US", "usa": "US", "u.s.a.": "US", "u.s.": "US",
    "vereinigte staaten": "US", "united kingdom": "GB", "uk": "GB", "great britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "großbritannien": "GB", "grossbritannien": "GB",
    "vereinigtes königreich": "GB", "ireland": "IE", "irland": "IE", "canada": "CA", "kanada": "CA",
    "france": "FR", "frankreich": "FR", "italy": "IT", "italien": "IT", "italia": "IT",
    "netherlands": "NL", "the netherlands": "NL", "niederlande": "NL", "holland": "NL",
    "belgium": "BE", "belgien": "BE", "luxembourg": "LU", "luxemburg": "LU", "spain": "ES",
    "spanien": "ES", "españa": "ES", "portugal": "PT", "poland": "PL", "polen": "PL",
    "czech republic": "CZ", "czechia": "CZ", "tschechien": "CZ", "denmark": "DK", "dänemark": "DK",
    "sweden": "SE", "schweden": "SE", "norway": "NO", "norwegen": "NO", "finland": "FI",
    "finnland": "FI", "australia": "AU", "australien": "AU", "new zealand": "NZ", "neuseeland": "NZ",
}  # fmt: skip

_GENDER_WORDS = {
    "female": "female", "f": "female", "w": "female", "weiblich": "female", "woman": "female",
    "frau": "female", "male": "male", "m": "male", "männlich": "male", "maennlich": "male",
    "man": "male", "herr": "male", "diverse": "diverse", "d": "diverse", "divers": "diverse",
    "non-binary": "diverse", "nonbinary": "diverse", "x": "diverse",
}  # fmt: skip
_UNKNOWN_GENDER = {"unknown", "u", "n", "none", "unbekannt", "?", "-"}

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12, "mär": 3, "mrz": 3, "mai": 5, "okt": 10, "dez": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_BASIC_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")
_TEXT_DATE = re.compile(r"(\d{1,2})[ .\-/]+([A-Za-zäÄ]{3,9})\.?[ .\-/]+(\d{2}|\d{4})")
# Apple Contacts writes a birthday without a year as 1604-MM-DD.
_YEARLESS_MARKERS = frozenset({1604, NO_YEAR})
_CONTROL_OK_IN_NOTES = frozenset("\n\t")


class ValueProblem(ValueError):
    """A value that cannot be stored; the message is plain language with an example."""


def shown(value: str, limit: int = 60) -> str:
    """The value quoted for a message, shortened, with control characters made visible."""
    text = value if len(value) <= limit else value[:limit] + "…"
    return json.dumps(text, ensure_ascii=False)


def clean_text(value: str | None, *, multiline: bool = False) -> str | None:
    """Trimmed NFC text, inner whitespace collapsed on single-line fields; None when empty.

    Control characters are refused rather than dropped: a NUL or a line break inside a name
    means the row is broken, and dropping it would hide that.
    """
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for ch in "" if text.isprintable() else text:
        if unicodedata.category(ch) == "Cc" and not (ch == "\t" or (multiline and ch == "\n")):
            what = "a line break" if ch in "\r\n\x0b\x0c\x85" else f"the control character {ch!r}"
            raise ValueProblem(f"{shown(text)} contains {what}; remove it")
        if unicodedata.category(ch) == "Cs":
            raise ValueProblem(f"{shown(text)} contains bytes that are not text; save the file as UTF-8")
    if multiline:
        text = "\n".join(line.strip(" \t\u00a0") for line in text.split("\n")).strip("\n")
    else:
        text = " ".join(text.replace("\u00a0", " ").split())
    return text or None


_TEXT_MARKER = re.compile(r"\s*'(?='*[=+\-@\t\r])")


def drop_text_marker(cell: str) -> str:
    """The cell without the one apostrophe a spreadsheet (or `contacts export`) puts before `=`, `+`, `-`, `@`.

    `'=SUM(A1)` is how a spreadsheet stores the text `=SUM(A1)` (OWASP CSV injection advice);
    any other cell, including a formula-like one without the apostrophe, is kept as it is.
    """
    found = _TEXT_MARKER.match(cell)
    return cell[found.end() :] if found else cell


def limited(field: str, value: str | None) -> str | None:
    """The value, refused when longer than the field allows."""
    limit = MAX_LENGTH.get(field)
    if value is not None and limit is not None and len(value) > limit:
        raise ValueProblem(f"{shown(value, 30)} is {len(value)} characters long; at most {limit} fit")
    return value


def parse_gender(value: str) -> str | None:
    key = value.strip().lower()
    if not key or key in _UNKNOWN_GENDER:
        return None
    if key in GENDERS:
        return key
    if key in _GENDER_WORDS:
        return _GENDER_WORDS[key]
    raise ValueProblem(f"{shown(value)} is not a gender; write female, male, diverse or leave it empty")


def parse_formality(value: str) -> str:
    key = value.strip().lower()
    if key in FORMALITIES:
        return key
    aliases = {"sie": "formal", "du": "informal", "förmlich": "formal", "formell": "formal"}
    if key in aliases:
        return aliases[key]
    raise ValueProblem(f"{shown(value)} is not a formality; write formal or informal")


def parse_language(value: str) -> str:
    key = value.strip().lower().replace("_", "-").split("-")[0]
    aliases = {"deutsch": "de", "german": "de", "ger": "de", "deu": "de", "english": "en", "englisch": "en",
               "eng": "en"}  # fmt: skip
    key = aliases.get(key, key)
    if key in LANGUAGES:
        return key
    raise ValueProblem(f"{shown(value)} is not a supported language; write {' or '.join(LANGUAGES)}")


def language_region(value: str) -> str | None:
    """The country a language tag names ("de-AT", "de_CH", "de-Latn-AT", "en-US"), else None.

    Only a two-letter region that is an ISO 3166 code counts (and "UK", which can only mean GB);
    "de-419" or "de-XX" name no country, so the row keeps whatever country it would have had.
    """
    subtags = value.strip().replace("_", "-").split("-")[1:]
    for subtag in subtags:
        if len(subtag) == 4 and subtag.isalpha():
            continue  # a script subtag ("Latn") comes before the region
        key = subtag.upper()
        if key == "UK":
            return "GB"
        return key if len(key) == 2 and key in _COUNTRIES else None
    return None


def parse_country(value: str) -> str:
    key = value.strip().upper()
    if key in _COUNTRIES:
        return key
    if key == "UK":
        raise ValueProblem('"UK" is not an ISO country code; write GB for the United Kingdom')
    raise ValueProblem(f"{shown(value)} is not an ISO 3166 country code; write two letters like DE, AT or CH")


def country_from_name(value: str) -> str | None:
    """A country from an address book's free text (a code or a common name), else None."""
    key = " ".join(value.strip().split()).lower()
    if len(key) == 2 and key.upper() in _COUNTRIES:
        return key.upper()
    return COUNTRY_NAMES.get(key)


def _make_date(year: int, month: int, day: int, value: str, example: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem(f"{shown(value)} is not a date that exists; write it like {example}") from None


def parse_birthday(value: str) -> tuple[date, bool]:
    """A birthday and whether its year is known: YYYY-MM-DD, YYYYMMDD, --MM-DD or --MMDD."""
    text = value.strip()
    example = "1980-02-28 or --02-28"
    if "T" in text and text[:1].isdigit():
        text = text.split("T", 1)[0]
    if m := _NO_YEAR.fullmatch(text):
        return _make_date(NO_YEAR, int(m[1]), int(m[2]), value, example), False
    m = _ISO_DATE.fullmatch(text) or _BASIC_DATE.fullmatch(text)
    if not m:
        raise ValueProblem(f"{shown(value)} is not a date; write it like {example}")
    year = int(m[1])
    if year in _YEARLESS_MARKERS:
        return _make_date(NO_YEAR, int(m[2]), int(m[3]), value, example), False
    return _make_date(year, int(m[2]), int(m[3]), value, example), True


def birthday_out_of_range(day: date, has_year: bool, today: date | None) -> str | None:
    """Why a read birthday cannot be a living contact's (see `implausible_birthday`), else None.

    The readers leave such a birthday out and say so, keeping the rest of the contact.
    """
    return implausible_birthday(day, today) if has_year else None


BIRTHDAY_LEFT_OUT = (
    "the birthday was left out, the rest imported; write the real one in the file and import again, "
    "or set it with `nurture contacts edit <contact> --birthday YYYY-MM-DD`"
)


def parse_date(value: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    text = value.strip()
    m = _ISO_DATE.fullmatch(text)
    if not m:
        raise ValueProblem(f"{shown(value)} is not a date; write it like 2024-03-15")
    return _make_date(int(m[1]), int(m[2]), int(m[3]), value, "2024-03-15")


def parse_text_date(value: str) -> date:
    """A date as LinkedIn writes it (`12 Mar 2024`, `12-Mar-24`), or YYYY-MM-DD."""
    text = value.strip()
    if _ISO_DATE.fullmatch(text):
        return parse_date(text)
    m = _TEXT_DATE.fullmatch(text)
    month = _MONTHS.get(m[2].lower()) if m else None
    if not m or month is None:
        raise ValueProblem(f"{shown(value)} is not a date; write it like 12 Mar 2024 or 2024-03-12")
    year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
    return _make_date(year, month, int(m[1]), value, "12 Mar 2024")


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_timezone(value: str) -> str:
    key = value.strip()
    found = _zones().get(key.lower())
    if found is None:
        raise ValueProblem(f"{shown(value)} is not an IANA time zone; write it like Europe/Berlin")
    return found


def parse_tier(value: str) -> str:
    key = value.strip().upper()
    if key in TIERS:
        return key
    raise ValueProblem(f"{shown(value)} is not a tier; write {', '.join(TIERS[:-1])} or {TIERS[-1]}")


def parse_topics(value: str) -> tuple[str, ...]:
    """Topics separated by `;`, trimmed, empty ones and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for part in value.split(";"):
        topic = clean_text(part)
        if topic and topic.lower() not in {t.lower() for t in seen}:
            seen[topic] = None
    return tuple(seen)


def parse_consent(value: str) -> str:
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if key in CONSENTS:
        return key
    raise ValueProblem(f"{shown(value)} is not a consent basis; write {', '.join(CONSENTS)}")
