"""What an importer yields: a contact to upsert, a rejected row, or a notice that rejects nothing.

The records carry text exactly as found (after trimming and Unicode normalisation); nothing
is interpreted, so a cell like `=HYPERLINK(...)` stays plain text. Each record knows its row
(the physical line of a CSV record, or the number of a vCard card) so the user can find it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ImportedContact:
    """One contact read from a file; `email` is normalised, or None for a contact that cannot be mailed."""

    row: int
    email: str | None
    first_name: str | None = None
    last_name: str | None = None
    gender: str | None = None
    title: str | None = None
    language: str | None = None
    country: str | None = None
    formality: str | None = None
    birthday: date | None = None
    birthday_has_year: bool = True
    company: str | None = None
    position: str | None = None
    started_on: date | None = None
    timezone: str | None = None
    tier: str | None = None
    topics: tuple[str, ...] = ()
    consent: str | None = None
    consent_source: str | None = None
    consent_date: date | None = None
    profile_url: str | None = None
    note: str | None = None
    connected_on: date | None = None


@dataclass(frozen=True)
class RowProblem:
    """A rejected row or card: nothing from it is imported; the message says what is wrong and how to fix it."""

    row: int
    message: str
    file: str = ""
    # The whole file is refused (no header, not a text file): nothing of it was imported.
    whole_file: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.message}" if self.file else f"row {self.row}: {self.message}"


@dataclass(frozen=True)
class ImportNotice:
    """A warning that rejects nothing, e.g. unknown columns ignored or an unusable optional value dropped."""

    row: int
    message: str
    file: str = ""
    # The whole file is refused (no header, not a text file): nothing of it was imported.
    whole_file: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.message}" if self.file else f"row {self.row}: {self.message}"


Item = ImportedContact | RowProblem | ImportNotice


class ReadProgress:
    """How far a reader has got through its file, in bytes, for a progress bar."""

    def __init__(self, bytes_total: int) -> None:
        self.bytes_total = bytes_total
        self.bytes_read = 0
