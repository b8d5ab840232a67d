"""A hand correction of a contact reads its values exactly as an import reads them.

Shared by the approval page's fix form and `nurture contacts edit`: a country, a time zone or
a birthday that an import refuses is refused here with the import's own words, and one it
accepts is stored in the import's form (`de` → `DE`, `europe/berlin` → `Europe/Berlin`,
`19800517` → `1980-05-17`). The checks are the import's parsers themselves, not copies.
The other fields the edits take (gender, formality, language, tier, consent) are chosen from
the vocabulary's words on both paths, which the import accepts as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nurture.adapters.importers import values as v
from nurture.domain.birthdays import birthday_text
from nurture.errors import NurtureError
from nurture.planning.send_time import UnknownTimeZone, zone

PARSED: dict[str, Callable[[str], str]] = {"country": v.parse_country, "timezone": v.parse_timezone}


def _opens(name: str) -> bool:
    try:
        zone(name)
    except UnknownTimeZone:
        return False
    return True


def _birthday(text: str) -> str:
    day, has_year = v.parse_birthday(text)
    return birthday_text(day, has_year)


def read_as_import(fields: Mapping[str, Any], label: Callable[[str], str]) -> dict[str, Any]:
    """`fields` with country, time zone and birthday read by the import's parsers.

    A value the import refuses raises NurtureError: `label(field)` (the option or the form
    field), then the import's message. An empty birthday stays empty: it clears the birthday.
    A time zone that both refuse (it opens no zone at all) is left to `validated_changes`, whose
    words for it ("is not a time zone") users and tests already know; one only the import
    refuses (`posix/…`, `right/…` copies of the zones) gets the import's words.
    """
    out = dict(fields)
    parsers: dict[str, Callable[[str], str]] = {**PARSED, "birthday": _birthday}
    for name, parse in parsers.items():
        if name not in out or out[name] is None:
            continue
        text = str(out[name])
        if name == "birthday" and not text.strip():
            continue
        try:
            out[name] = parse(text)
        except v.ValueProblem as exc:
            if name == "timezone" and not _opens(text):
                continue  # no zone at all ("Europe" is a folder): the edit's own check says so, in its words
            raise NurtureError(f"{label(name)}: {exc}") from None
    return out
