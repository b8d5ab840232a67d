"""Opening import files as text, streamed: the encoding is chosen once, the bytes read are counted.

Excel and Outlook still write Windows-1252 files; reading them as UTF-8 would fail or garble
every umlaut. So the file is scanned once in chunks (bounded memory), and read as UTF-8 when
it is valid UTF-8, else as Windows-1252, with a notice naming the first line that is not UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from nurture.adapters.importers.records import ImportNotice, ReadProgress, RowProblem

CHUNK = 1 << 20
MAX_LINE = 1 << 20


def _first_bad_line(path: Path, encoding: str) -> int | None:
    """The 1-based line of the first byte the encoding cannot decode, or None when all decode."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset, lines = 0, 1
    with path.open("rb") as raw:
        while chunk := raw.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return lines + chunk[: max(exc.start, 0)].count(b"\n")
            lines += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return lines
    return None


def choose_encoding(path: Path, what: str = "file") -> tuple[str, str, ImportNotice | None]:
    """(encoding, errors mode, notice) for reading `path` as text."""
    with path.open("rb") as raw:
        head = raw.read(4)
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        bad = _first_bad_line(path, "utf-16")
        notice = None
        if bad is not None:
            notice = ImportNotice(bad, f"the {what} is UTF-16 with broken bytes from about line {bad}; "
                                       "they were replaced with �; save it as UTF-8", str(path))  # fmt: skip
        return "utf-16", "replace", notice
    else:
        encoding = "utf-8"
    bad = _first_bad_line(path, encoding)
    if bad is None:
        return encoding, "strict", None
    for fallback, name in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        if fallback == "latin-1" or _first_bad_line(path, fallback) is None:
            message = (
                f"the {what} is not UTF-8 (line {bad} is the first that is not); it was read as {name}, "
                "as Excel and Outlook write it; check names with umlauts, and save it as UTF-8 next time"
            )
            return fallback, "strict", ImportNotice(bad, message, str(path))
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def csv_records(
    path: Path,
    progress: ReadProgress,
    *,
    detect_semicolon: bool = False,
) -> Iterator[tuple[int, int, list[str]] | RowProblem | ImportNotice]:
    """(first line, last line, cells) per CSV record, or a problem for a record that cannot be parsed.

    A record that the csv module refuses (e.g. a field over its size limit, as an unclosed quote
    produces) is reported and reading resumes on the next line.
    """
    label = str(path)
    encoding, errors, notice = choose_encoding(path, "CSV file")
    if notice is not None:
        yield notice
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")
        first = text.readline(MAX_LINE)
        delimiter = ","
        if detect_semicolon and first.count(";") > first.count(","):
            delimiter = ";"
            yield ImportNotice(1, "the columns are separated by semicolons (as German Excel saves CSV); "
                                  "read them that way", label)  # fmt: skip
        lines: Iterator[str] = _chain(first, text)
        reader = csv.reader(lines, delimiter=delimiter, strict=False)
        previous = 0
        failures = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                failures += 1
                yield RowProblem(
                    previous + 1,
                    f"the record cannot be read as CSV ({exc}); check for a quote that is not closed",
                    label,
                )
                previous = reader.line_num
                if failures > 10_000 and previous == 0:  # pragma: no cover - guard against no progress
                    break
                continue
            start, previous = previous + 1, reader.line_num
            progress.bytes_read = raw.tell()
            yield start, previous, cells
        progress.bytes_read = progress.bytes_total


def _chain(first: str, rest: io.TextIOWrapper) -> Iterator[str]:
    """The lines, a line longer than MAX_LINE in pieces, so one endless line cannot fill memory."""
    if first:
        yield first
    yield from iter(lambda: rest.readline(MAX_LINE), "")
