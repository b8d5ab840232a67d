"""Value types of the salutation builder: what goes in, what comes out.

Kept apart from the rules so callers (contacts, serialisers, composers) can import the
types without pulling in rule tables.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AddressInput:
    """A contact's addressing fields exactly as stored (untrusted, possibly dirty)."""

    first_name: str | None
    last_name: str | None
    gender: str | None
    title: str | None
    language: str
    country: str | None
    formality: str
    honorific: str | None = None


@dataclass(frozen=True)
class Salutation:
    """The exact opening line of a message, trailing comma included."""

    line: str


@dataclass(frozen=True)
class NeedsReview:
    """No salutation can be formed safely; a person has to fix the record first."""

    code: str
    reason: str
