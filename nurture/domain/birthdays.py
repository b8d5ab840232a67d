"""Birthdays as stored and shown: `YYYY-MM-DD`, or `--MM-DD` when the year is unknown.

A year-less birthday is carried as a date in 1904 (a leap year, so 29 February fits);
the year is never shown and the age never mentioned.
"""

from __future__ import annotations

from datetime import date

NO_YEAR = 1904
OLDEST_BIRTH_YEAR = 1900


def implausible_birthday(day: date, today: date | None) -> str | None:
    """Why a birthday with a year cannot be a living contact's (before 1900, after today), else None.

    Such a year is a typing slip (2031 for 1981) or an address book's placeholder: a record
    nobody can trust. A year-less birthday (stored in 1904) is never implausible.
    """
    if day.year == NO_YEAR:
        return None
    if day.year < OLDEST_BIRTH_YEAR:
        return f"{day.isoformat()} is before {OLDEST_BIRTH_YEAR}, too old for a living contact"
    if today is not None and day > today:
        return f"{day.isoformat()} is after today ({today.isoformat()})"
    return None


def birthday_text(value: date, has_year: bool = True) -> str:
    """The stored form of a birthday."""
    if not has_year or value.year == NO_YEAR:
        return f"--{value.month:02d}-{value.day:02d}"
    return value.isoformat()


def birthday_date(text: str | None) -> date | None:
    """The stored text as a date (year 1904 when unknown); None when empty or unreadable."""
    if not text:
        return None
    try:
        if text.startswith("--"):
            month, day = text[2:].split("-")
            return date(NO_YEAR, int(month), int(day))
        return date.fromisoformat(text)
    except ValueError:
        return None
