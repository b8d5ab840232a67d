"""Validating a hand correction of a contact before it is stored."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from nurture.domain.birthdays import birthday_date, implausible_birthday
from nurture.domain.vocabulary import MAX_LENGTH, control_character
from nurture.errors import NurtureError
from nurture.planning.send_time import UnknownTimeZone, zone

TEXT_FIELDS = ("first_name", "last_name", "title", "company", "position", "consent_source", "note")


def validated_changes(fields: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Column values from edit options; a bad value raises with a plain hint."""
    changes: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in fields:
            value = " ".join(str(fields[name]).split())
            option = "--" + name.replace("_", "-")
            odd = control_character(value)
            if odd is not None:
                raise NurtureError(f"{option} contains the control character {odd!r}; remove it")
            limit = MAX_LENGTH.get(name)
            if limit is not None and len(value) > limit:
                raise NurtureError(f"{option} is {len(value)} characters long; at most {limit} fit, shorten it")
            changes[name] = value or None
    if "gender" in fields:
        changes["gender"] = None if fields["gender"] in ("unknown", "") else fields["gender"]
    for name in ("formality", "language", "tier", "consent"):
        if name in fields:
            changes[name] = fields[name]
    if "consent" in fields:
        changes["consent_date"] = now.date()
    if "country" in fields:
        country = str(fields["country"]).strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise NurtureError(f"--country {fields['country']!r} is not a country code; write it like DE, AT, CH or GB")
        changes["country"] = country
    if "birthday" in fields:
        text = str(fields["birthday"]).strip()
        day = birthday_date(text)
        if text and day is None:
            raise NurtureError(f"--birthday {text!r} is not a date; write it like 1980-05-17 or --05-17")
        why = implausible_birthday(day, now.date()) if day is not None else None
        if why is not None:
            raise NurtureError(f"--birthday {why}; write the year of birth, or --{text[-5:]} "
                               "when the year is not known")  # fmt: skip
        changes["birthday"] = text or None
    if "timezone" in fields:
        try:
            zone(str(fields["timezone"]))
        except UnknownTimeZone:  # also "Europe" (a folder of zones) and names with a NUL
            raise NurtureError(
                f"--timezone {fields['timezone']!r} is not a time zone; write it like Europe/Berlin"
            ) from None
        changes["timezone"] = str(fields["timezone"])
    if "topics" in fields:
        changes["topics"] = ";".join(t.strip() for t in str(fields["topics"]).split(";") if t.strip())
    return changes
