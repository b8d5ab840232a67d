"""The one entry point of the importers: a streaming reader that knows its format and progress."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from nurture.adapters.importers.canonical_csv import read_canonical_csv
from nurture.adapters.importers.detect import detect_format
from nurture.adapters.importers.linkedin_csv import read_linkedin_csv
from nurture.adapters.importers.records import ImportedContact, ImportNotice, Item, ReadProgress, RowProblem
from nurture.adapters.importers.values import BIRTHDAY_LEFT_OUT, birthday_out_of_range
from nurture.adapters.importers.vcard import read_vcard

FORMATS: dict[str, Callable[[Path, ReadProgress], Iterator[Item]]] = {
    "csv": read_canonical_csv,
    "linkedin": read_linkedin_csv,
    "vcard": read_vcard,
}
HEAD_BYTES = 64 * 1024


class ContactReader:
    """Iterates a file's contacts, rejected rows and notices, reading it once, front to back.

    `bytes_read` / `bytes_total` drive a progress bar; `format` is the format actually used.
    `today` (the importer's date, from its clock) lets a birthday after it be left out.
    """

    def __init__(self, path: Path, fmt: str = "auto", today: date | None = None) -> None:
        self.path, self.today = path, today
        if fmt not in ("auto", *FORMATS):
            raise ValueError(f'unknown format "{fmt}"; use auto, {", ".join(FORMATS)}')
        with path.open("rb") as raw:
            head = raw.read(HEAD_BYTES)
        self.format = detect_format(path, head) if fmt == "auto" else fmt
        self._progress = ReadProgress(path.stat().st_size)
        self._workbook = head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))  # .xlsx/.ods (zip), old .xls

    @property
    def bytes_total(self) -> int:
        return self._progress.bytes_total

    @property
    def bytes_read(self) -> int:
        return self._progress.bytes_read

    def __iter__(self) -> Iterator[Item]:
        if self._workbook:
            return iter([RowProblem(1, "this is a spreadsheet workbook (Excel or similar), not CSV text; open it and "
                                       "save it as \"CSV UTF-8\" (Excel: File › Save as), then import that file",
                                    str(self.path), whole_file=True)])  # fmt: skip
        if self.format == "vcard":
            return read_vcard(self.path, self._progress, today=self.today)
        return _birthdays_checked(FORMATS[self.format](self.path, self._progress), self.today, str(self.path))


def _birthdays_checked(items: Iterator[Item], today: date | None, label: str) -> Iterator[Item]:
    """The CSV rows with a birthday no living contact can have left out of them, each with a notice.

    The vCard reader does the same itself, where it knows the line a card starts on.
    """
    for item in items:
        if isinstance(item, ImportedContact) and item.birthday is not None:
            why = birthday_out_of_range(item.birthday, item.birthday_has_year, today)
            if why is not None:
                yield ImportNotice(item.row, f'column "birthday": {why}; {BIRTHDAY_LEFT_OUT}', label)
                item = dataclasses.replace(item, birthday=None, birthday_has_year=True)
        yield item


def read_contacts(path: str | Path, fmt: str = "auto", today: date | None = None) -> ContactReader:
    """A reader for `path` in format `fmt` ("auto", "csv", "linkedin" or "vcard").

    `today` is the date the import runs on (from the caller's clock); without it, birthdays
    in the future are not looked for.
    """
    return ContactReader(Path(path), fmt, today)
