"""Reading mail exports (an mbox file or a Maildir) mail by mail, each with where it is.

Exports are read by hand rather than with `mailbox`: that module skips unreadable mails
without a word, reads nothing of a file that does not start with a "From " line (a byte-order
mark, a single saved mail) and gives no positions, so a problem could not be reported where it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from nurture.errors import NurtureError


@dataclass
class ExportMail:
    """One mail of an export: its raw bytes, where it is, and the date its container gives it."""

    where: str
    raw: bytes = b""
    stored_at: datetime | None = None  # the mbox "From " line's date, or a Maildir file name's
    problem: str | None = None  # set when the mail could not be read at all
    notes: list[str] = field(default_factory=list)


# A "From " line after a blank line starts a mail when it carries a date (any digit) or a header
# follows; elsewhere only a full envelope date does. A body line "From the start..." stays body.
_ENVELOPE_DATE = re.compile(rb"^From \S+ +.*\b\d{1,2}:\d{2}(:\d{2})?\b.*\b\d{4}\b")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_BOM = b"\xef\xbb\xbf"


def _envelope_date(line: bytes) -> datetime | None:
    """The date of an mbox "From " line (asctime, taken as UTC), or None when it has none."""
    text = line.decode("ascii", "replace").strip()
    parts = text.split(None, 2)
    if len(parts) < 3:
        return None
    try:
        when = parsedate_to_datetime(parts[2])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _mbox_mails(path: Path) -> Iterator[ExportMail]:
    """The mails of an mbox file, streamed line by line, each with the line its "From " line is on."""
    with path.open("rb") as fh:
        number = 0
        start_line = 1
        envelope: bytes | None = None
        lines: list[bytes] = []
        prev_blank = True
        pending: tuple[int, bytes] | None = None  # a "From " line after a blank one, decided by the next line

        def finish() -> Iterator[ExportMail]:
            nonlocal number
            raw = b"".join(lines)
            if envelope is None and not raw.strip():
                return  # nothing before the first "From " line (or a byte-order mark only)
            number += 1
            mail = ExportMail(f"{path}:{start_line}: mail {number}", raw,
                         _envelope_date(envelope) if envelope else None)  # fmt: skip
            if envelope is None and number == 1 and not _HEADER_LINE.match(raw.lstrip()):
                mail.problem = (
                    'text before the first "From " line is not a mail (is this an mbox file?); skipped'
                )
            elif not raw.strip():
                mail.problem = 'an empty mail (a "From " line and nothing else); skipped'
            yield mail

        for index, line in enumerate(fh, start=1):
            if index == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            if pending is not None:
                from_index, from_line = pending
                pending = None
                if re.search(rb"\d", from_line[5:]) or _HEADER_LINE.match(line):
                    yield from finish()
                    start_line, envelope, lines = from_index, from_line, []
                else:
                    lines.append(from_line)
            if line.startswith(b"From ") and (index == 1 or _ENVELOPE_DATE.match(line)):
                yield from finish()
                start_line, envelope, lines = index, line, []
            elif line.startswith(b"From ") and prev_blank:
                pending = (index, line)
            else:
                lines.append(line)
            prev_blank = not line.strip()
        if pending is not None:
            lines.append(pending[1])
        yield from finish()


def _maildir_mails(path: Path) -> Iterator[ExportMail]:
    """The mails in cur/ and new/ of a Maildir, by file name; tmp/ holds unfinished deliveries."""
    for sub in ("cur", "new"):
        folder = path / sub
        if not folder.is_dir():
            continue
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue  # the Maildir convention: hidden files (.DS_Store and the like) are not mail
            mail = ExportMail(f"{path / sub / entry.name}")
            stamp = re.match(r"(\d{9,10})\.", entry.name)
            if stamp:
                mail.stored_at = datetime.fromtimestamp(int(stamp.group(1)), UTC)
            try:
                if entry.is_dir():
                    mail.problem = "a folder where a mail file was expected; skipped"
                else:
                    with open(entry.path, "rb") as fh:
                        mail.raw = fh.read()
                    if not mail.raw.strip():
                        mail.problem = "an empty file, not a mail; skipped"
            except OSError as exc:
                mail.problem = f"could not be read ({exc.strerror or exc}); check the file and import again"
            yield mail


def export_mails(path: Path) -> Iterator[ExportMail]:
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise NurtureError(f"{path}: a folder but not a Maildir (no cur/ or new/ inside)")
        return _maildir_mails(path)
    if path.is_file():
        return _mbox_mails(path)
    raise NurtureError(f"{path}: no such file or folder; give an mbox file or a Maildir")


def header_text(value: str) -> str:
    """A raw header value as text: 8-bit bytes read as UTF-8 (RFC 6532) or else Windows-1252."""
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def header_values(msg: EmailMessage, name: str) -> list[str]:
    """Every value of a header, unfolded, with control characters (NUL among them) taken out."""
    values = []
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            text = re.sub(r"\r?\n(?=[ \t])", "", header_text(value))
            values.append("".join(ch for ch in text if ch.isprintable() or ch in " \t"))
    return values


def subject_text(msg: EmailMessage) -> str | None:
    """The subject as a note: encoded words decoded, control characters (NUL among them) dropped."""
    raw = " ".join(header_values(msg, "Subject")[:1])
    try:
        text = str(make_header(decode_header(raw)))
    except Exception:  # a broken encoded word: keep the subject as written
        text = raw
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:500] or None
