"""The one entry point of the importers: a streaming reader that knows its format and progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from nurture.adapters.importers.canonical_csv import read_canonical_csv
from nurture.adapters.importers.detect import detect_format
from nurture.adapters.importers.linkedin_csv import read_linkedin_csv
from nurture.adapters.importers.records import Item, ReadProgress
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
    """

    def __init__(self, path: Path, fmt: str = "auto") -> None:
        self.path = path
        if fmt not in ("auto", *FORMATS):
            raise ValueError(f'unknown format "{fmt}"; use auto, {", ".join(FORMATS)}')
        with path.open("rb") as raw:
            head = raw.read(HEAD_BYTES)
        self.format = detect_format(path, head) if fmt == "auto" else fmt
        self._progress = ReadProgress(path.stat().st_size)

    @property
    def bytes_total(self) -> int:
        return self._progress.bytes_total

    @property
    def bytes_read(self) -> int:
        return self._progress.bytes_read

    def __iter__(self) -> Iterator[Item]:
        return FORMATS[self.format](self.path, self._progress)


def read_contacts(path: str | Path, fmt: str = "auto") -> ContactReader:
    """A reader for `path` in format `fmt` ("auto", "csv", "linkedin" or "vcard")."""
    return ContactReader(Path(path), fmt)
