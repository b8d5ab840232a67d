"""Birthdays as stored and shown: `YYYY-MM-DD`, or `--MM-DD` when the year is unknown.

A year-less birthday is carried as a date in 1904 (a leap year, so 29 February fits);
the year is never shown and the age never mentioned.
"""

from __future__ import annotations

from datetime import date

NO_YEAR = 1904


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
