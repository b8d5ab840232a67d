"""Opening import files as text, streamed: the encoding is chosen per line, the bytes read are counted.

Excel and Outlook still write Windows-1252 files, and a file put together from two sources
can mix both; reading such lines as UTF-8 would fail, reading the whole file as Windows-1252
would garble every UTF-8 umlaut. So each line is read as UTF-8 when it is valid UTF-8, else
as Windows-1252, with one notice naming the first line that is not UTF-8. Excel's "Unicode
Text" is UTF-16, with or without a byte-order mark. A line longer than MAX_LINE is skipped
and reported, never cut into pieces that would read as rows of their own.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, AnyStr

from nurture.adapters.importers.records import ImportNotice, ReadProgress, RowProblem

CHUNK = 1 << 16
MAX_LINE = 1 << 20
FIELD_LIMIT = csv.field_size_limit()
_EOL_BYTES = re.compile(rb"\r\n|\r|\n")
_EOL_TEXT = re.compile(r"\r\n|\r|\n")
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_DELIMITER_HOW = {
    ";": "as German Excel saves CSV",
    "\t": 'as Excel saves "Unicode Text"',
    "|": "as some databases export",
}


class LineTooLong(Exception):
    """A physical line longer than MAX_LINE characters; its text was skipped."""


def utf16_without_bom(head: bytes) -> str | None:
    """The UTF-16 codec ("utf-16-le" or "utf-16-be") when `head` looks like UTF-16 text without a byte-order mark.

    Such text has a NUL in every other byte (each Latin letter is one byte and a zero), which
    no UTF-8 or Windows-1252 file has; read as UTF-8, its header would match no column.
    """
    sample = head[:4096]
    sample = sample[: len(sample) - len(sample) % 2]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd * 2 >= pairs and even * 20 <= pairs:
        return "utf-16-le"
    if even * 2 >= pairs and odd * 20 <= pairs:
        return "utf-16-be"
    return None


def _split_lines(chunks: Iterable[AnyStr], eol: re.Pattern[AnyStr], cr: AnyStr) -> Iterator[AnyStr | None]:
    """Physical lines, each with its own end (CR LF, LF or CR); None for a line longer than MAX_LINE."""
    buffer = cr[:0]
    skipping = False
    for chunk in chunks:
        buffer += chunk
        start = 0
        while (found := eol.search(buffer, start)) is not None:
            if found.end() == len(buffer) and found.group() == cr:
                break  # a CR at the end of the chunk may be the first half of CR LF
            line = buffer[start : found.end()]
            start = found.end()
            yield None if skipping or len(line) > MAX_LINE else line
            skipping = False
        buffer = buffer[start:]
        if len(buffer) > MAX_LINE:
            skipping = True
            buffer = buffer[-1:] if buffer.endswith(cr) else buffer[:0]
    if buffer or skipping:
        yield None if skipping or len(buffer) > MAX_LINE else buffer


class _Decoder:
    """Decodes the file's lines one by one; remembers the first line that needed the fallback."""

    def __init__(self, raw: IO[bytes], encoding: str, progress: ReadProgress) -> None:
        self.raw, self.encoding, self.progress = raw, encoding, progress
        self.fallback_line: int | None = None
        self.fallback_name = ""
        self.lines = 0

    def _chunks(self) -> Iterator[bytes]:
        if self.encoding == "utf-8-sig":  # the mark goes, so a line read as Windows-1252 does not keep it
            head = self.raw.read(len(codecs.BOM_UTF8))
            if head != codecs.BOM_UTF8:
                yield head
            self.encoding = "utf-8"
        while chunk := self.raw.read(CHUNK):
            yield chunk

    def __iter__(self) -> Iterator[str | None]:
        if self.encoding.startswith("utf-16"):
            decoder = codecs.getincrementaldecoder(self.encoding)("replace")
            texts = (decoder.decode(chunk) for chunk in self._chunks())
            for line in _split_lines(texts, _EOL_TEXT, "\r"):
                self.lines += 1
                yield line
            return
        for raw_line in _split_lines(self._chunks(), _EOL_BYTES, b"\r"):
            self.lines += 1
            yield None if raw_line is None else self._decode(raw_line)

    def _decode(self, line: bytes) -> str:
        try:
            return line.decode(self.encoding)
        except UnicodeDecodeError:
            pass
        for fallback, name in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
            try:
                text = line.decode(fallback)
            except UnicodeDecodeError:
                continue
            if self.fallback_line is None:
                self.fallback_line, self.fallback_name = self.lines, name
            return text
        raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


class _Lines:
    """The decoded lines for the csv module, counted as a text editor counts them.

    A line that was too long raises LineTooLong from `next`, which the csv module passes on;
    the next record then starts fresh on the following line.
    """

    def __init__(self, lines: Iterator[str | None]) -> None:
        self._lines = lines
        self._pending: list[str | None] = []
        self.line = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._pending.pop(0) if self._pending else next(self._lines)
        self.line += 1
        if line is None:
            raise LineTooLong
        return line

    def first_text_line(self, limit: int = 1000) -> str:
        """The first line with more than blanks (read ahead, not consumed), or "" when there is none."""
        for line in self._pending:
            if line and line.strip():
                return line
        for line in self._lines:
            self._pending.append(line)
            if line and line.strip():
                return line
            if len(self._pending) >= limit:
                break
        return ""


def _header_delimiter(line: str, score: Callable[[list[str]], int]) -> str:
    """The delimiter under which the header line names the most known columns; commas on a tie."""
    best, best_score = ",", score(next(csv.reader([line]), []))
    for delimiter in DELIMITERS:
        if delimiter != "," and delimiter in line:
            points = score(next(csv.reader([line], delimiter=delimiter), []))
            if points > best_score:
                best, best_score = delimiter, points
    return best


def _first_bad_utf16_line(path: Path) -> int | None:
    """The 1-based line of the first bytes UTF-16 cannot decode, or None when all decode."""
    decoder = codecs.getincrementaldecoder("utf-16")("strict")
    lines = 1
    with path.open("rb") as raw:
        while chunk := raw.read(CHUNK):
            try:
                lines += decoder.decode(chunk).count("\n")
            except UnicodeDecodeError:
                return lines
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return lines
    return None


def _encoding(path: Path, what: str) -> tuple[str, ImportNotice | None]:
    with path.open("rb") as raw:
        head = raw.read(4096)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        bad = _first_bad_utf16_line(path)
        if bad is not None:
            return "utf-16", ImportNotice(bad, f"the {what} is UTF-16 with broken bytes from about line {bad}; "
                                               "they were replaced with �; save it as UTF-8", str(path))  # fmt: skip
        return "utf-16", None
    bare = utf16_without_bom(head)
    if bare is not None:
        message = (f"the {what} is UTF-16 without a byte-order mark (as some Excel versions save "
                   '"Unicode Text"); it was read that way; save it as CSV UTF-8 next time')  # fmt: skip
        return bare, ImportNotice(1, message, str(path))
    return "utf-8", None


def csv_records(
    path: Path,
    progress: ReadProgress,
    *,
    header_score: Callable[[list[str]], int] | None = None,
) -> Iterator[tuple[int, int, list[str]] | RowProblem | ImportNotice]:
    """(first line, last line, cells) per CSV record, or a problem for a record that cannot be parsed.

    With `header_score` (how many known columns a list of header cells names) the delimiter is
    the one of DELIMITERS that makes the first non-blank line the best header. A record that
    the csv module refuses (a field over its size limit, as an unclosed quote produces) or a
    line over MAX_LINE is reported, and reading resumes on the next line.
    """
    label = str(path)
    encoding, notice = _encoding(path, "CSV file")
    if notice is not None:
        yield notice
    with path.open("rb") as raw:
        decoder = _Decoder(raw, encoding, progress)
        lines = _Lines(iter(decoder))
        delimiter = ","
        if header_score is not None:
            first = lines.first_text_line()
            delimiter = _header_delimiter(first, header_score)
            if delimiter != ",":
                line = decoder.lines
                yield ImportNotice(line, f"the columns are separated by {DELIMITERS[delimiter]} "
                                         f"({_DELIMITER_HOW[delimiter]}); read them that way", label)  # fmt: skip
        reader = csv.reader(lines, delimiter=delimiter, strict=False)
        previous = 0
        reported_fallback = False
        while True:
            try:
                cells: list[str] | None = next(reader)
            except StopIteration:
                break
            except (csv.Error, LineTooLong) as exc:
                cells = None
                start, previous = previous + 1, lines.line
                span = f"line {start}" if previous == start else f"lines {start} to {previous}"
                if isinstance(exc, LineTooLong):
                    why = f"line {previous} is longer than {MAX_LINE:,} characters and was skipped"
                else:
                    why = f"a cell in {span} is longer than {FIELD_LIMIT:,} characters"
                yield RowProblem(start, f"the record cannot be read ({why}); check for a quote that is not "
                                        "closed, or split the text into several cells", label)  # fmt: skip
            if not reported_fallback and decoder.fallback_line is not None:
                reported_fallback = True
                yield _fallback_notice(decoder, label)
            if cells is not None:
                start, previous = previous + 1, lines.line
                progress.bytes_read = min(raw.tell(), progress.bytes_total)
                yield start, previous, cells
        if not reported_fallback and decoder.fallback_line is not None:
            yield _fallback_notice(decoder, label)
        progress.bytes_read = progress.bytes_total


def _fallback_notice(decoder: _Decoder, label: str) -> ImportNotice:
    line = decoder.fallback_line or 1
    return ImportNotice(
        line,
        f"the CSV file is not UTF-8 (line {line} is the first that is not); lines that are not UTF-8 were "
        f"read as {decoder.fallback_name}, as Excel and Outlook write them; check names with umlauts, "
        "and save it as UTF-8 next time",
        label,
    )
