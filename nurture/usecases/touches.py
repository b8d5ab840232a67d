"""Touches outside nurture: a call or meeting by hand, or the sent mail of an mbox/Maildir export.

A touch resets the contact's cadence. Imported mail is keyed by Message-ID and recipient,
so reading the same export twice records nothing twice.

Exports are read by hand rather than with `mailbox`: that module skips unreadable mails
without a word, reads nothing of a file that does not start with a "From " line (a byte-order
mark, a single saved mail) and gives no positions, so a problem could not be reported where it is.
Only the header of each mail is parsed: the body (attachments, forwarded mails) never counts.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime, parsedate_tz
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.tables import Contact, Message, Touch
from nurture.domain.email_address import InvalidEmail, normalise_email
from nurture.errors import NurtureError
from nurture.usecases.plan import touch_contacts


def record_touch(factory: sessionmaker[Session], ref: str, at: datetime, note: str | None) -> tuple[int, int]:
    """Record a touch; returns the contact's id and how many planned cadence messages it withdrew."""
    with factory() as session, session.begin():
        row = ContactStore(session).row(ref)
        session.add(Touch(contact_id=row.id, at=at, note=note, source="manual"))
        return row.id, touch_contacts(session, [row.id], at)


@dataclass
class _Mail:
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


def _mbox_mails(path: Path) -> Iterator[_Mail]:
    """The mails of an mbox file, streamed line by line, each with the line its "From " line is on."""
    with path.open("rb") as fh:
        number = 0
        start_line = 1
        envelope: bytes | None = None
        lines: list[bytes] = []
        prev_blank = True
        pending: tuple[int, bytes] | None = None  # a "From " line after a blank one, decided by the next line

        def finish() -> Iterator[_Mail]:
            nonlocal number
            raw = b"".join(lines)
            if envelope is None and not raw.strip():
                return  # nothing before the first "From " line (or a byte-order mark only)
            number += 1
            mail = _Mail(f"{path}:{start_line}: mail {number}", raw,
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


def _maildir_mails(path: Path) -> Iterator[_Mail]:
    """The mails in cur/ and new/ of a Maildir, by file name; tmp/ holds unfinished deliveries."""
    for sub in ("cur", "new"):
        folder = path / sub
        if not folder.is_dir():
            continue
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue  # the Maildir convention: hidden files (.DS_Store and the like) are not mail
            mail = _Mail(f"{path / sub / entry.name}")
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


def _mails(path: Path) -> Iterator[_Mail]:
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise NurtureError(f"{path}: a folder but not a Maildir (no cur/ or new/ inside)")
        return _maildir_mails(path)
    if path.is_file():
        return _mbox_mails(path)
    raise NurtureError(f"{path}: no such file or folder; give an mbox file or a Maildir")


def _header_text(value: str) -> str:
    """A raw header value as text: 8-bit bytes read as UTF-8 (RFC 6532) or else Windows-1252."""
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _headers(msg: EmailMessage, name: str) -> list[str]:
    """Every value of a header, unfolded, with control characters (NUL among them) taken out."""
    values = []
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            text = re.sub(r"\r?\n(?=[ \t])", "", _header_text(value))
            values.append("".join(ch for ch in text if ch.isprintable() or ch in " \t"))
    return values


_ADDR_SPEC = re.compile(r"[^\s<>()\[\]\",;:@]+@[^\s<>()\[\]\",;:@]+")


def _recipients(msg: EmailMessage, notes: list[str]) -> set[str]:
    """The addresses the mail went to: Resent-To/Cc/Bcc for a resent mail, else To, Cc and Bcc.

    Each field is read on its own, so a broken one (an unbalanced quote) cannot swallow the
    others; the addresses written in a broken field are still taken.
    """
    resent = [v for name in ("Resent-To", "Resent-Cc", "Resent-Bcc") for v in _headers(msg, name)]
    fields = resent or [v for name in ("To", "Cc", "Bcc") for v in _headers(msg, name)]
    found: set[str] = set()
    for value in fields:
        good: set[str] = set()
        broken = False
        for _name, addr in getaddresses([value]):
            if not addr:
                continue  # an empty group such as "undisclosed-recipients:;"
            try:
                good.add(normalise_email(addr))
            except InvalidEmail:
                broken = True
        if broken:
            for addr in _ADDR_SPEC.findall(value):
                try:
                    good.add(normalise_email(addr.strip(".")))
                except InvalidEmail:
                    continue
            shown = value if len(value) <= 80 else value[:80] + "…"
            notes.append(f"recipients {shown!r} are not well formed; took the addresses written in them")
        found |= good
    return found


def _sent_at(msg: EmailMessage, now: datetime, stored_at: datetime | None, notes: list[str]) -> datetime:
    """When the mail was sent, never later than `now`.

    A missing or unreadable Date falls back to the date its mbox "From " line or Maildir file
    name gives, and only then to `now`. A sent mail cannot come from the future: a wrong clock
    or a forged Date would otherwise hold back the contact's cadence for years.
    """
    dates = _headers(msg, "Date")
    text = dates[0].strip() if dates else ""
    parts = parsedate_tz(text)
    if parts is not None and parts[0] > now.year:
        return now  # from the future (year 9999 among them): sent now at the latest
    try:
        when = parsedate_to_datetime(text)
        when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        said = "has no Date" if not text else f"has an unreadable Date {text[:60]!r}"
        if stored_at is None or stored_at > now:
            notes.append(f"{said}; counted as sent now")
            return now
        notes.append(f"{said}; dated {stored_at:%Y-%m-%d %H:%M} UTC by its place in the export")
        return stored_at
    return min(when, now)


def _subject(msg: EmailMessage) -> str | None:
    """The subject as a note: encoded words decoded, control characters (NUL among them) dropped."""
    raw = " ".join(_headers(msg, "Subject")[:1])
    try:
        text = str(make_header(decode_header(raw)))
    except Exception:  # a broken encoded word: keep the subject as written
        text = raw
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:500] or None


def _ident(msg: EmailMessage, raw: bytes) -> str:
    """What tells this mail from others: its Message-ID, else a digest of the whole mail.

    The digest is the one earlier versions took (of the mail as `mailbox` gave it, without the
    blank line that ends an mbox entry), so a re-import after an upgrade records nothing twice.
    An empty Message-ID ("<>") tells nothing: two such mails are two mails.
    """
    ids = [v.strip() for v in _headers(msg, "Message-ID")]
    if ids and ids[0].strip("<> \t"):
        return ids[0]
    if raw.endswith(b"\n\n"):
        raw = raw[:-1]
    return hashlib.sha256(bytes(BytesParser(policy=compat32).parsebytes(raw))).hexdigest()


def import_sent_mail(
    factory: sessionmaker[Session], path: Path, now: datetime, progress: Callable[[int], None] | None = None
) -> dict[str, object]:
    """Record a touch per known recipient and mail; a mail that cannot be read is skipped and named.

    The summary holds the counts, and `problems` ("where: what") when a mail was skipped or
    read with a guess, with `unread` counting the skipped ones; both are absent when everything
    was read cleanly. `withdrawn` counts the content drops and reconnects planned from an older
    touch that were taken back (see `touch_contacts`); `sent_by_nurture` the mails nurture sent
    itself (already touches, skipped). `not_contacts` counts the recipient addresses that are no
    contact (with the first few in `not_contacts_sample`).
    """
    mails = touches = already = unread = own = 0
    latest: dict[int, datetime] = {}  # contact -> its newest touch of this import
    strangers: set[str] = set()  # recipients that are no contact: their touches cannot be recorded
    problems: list[str] = []
    parser = BytesParser(policy=compat32)
    with factory() as session, session.begin():
        by_email = {
            e: i
            for i, e in session.execute(select(Contact.id, Contact.email).where(Contact.email.is_not(None)))
        }
        # Known keys up front and the cadence reset once per contact at the end: a query per
        # recipient made a large export crawl (5,000 mails took half a minute).
        seen = set(session.scalars(select(Touch.source_key).where(Touch.source_key.is_not(None))))
        # Mail nurture sent itself lands in the relay's Sent folder too (Gmail, Microsoft 365):
        # it is a touch already, recorded when it went out, and must not count twice.
        ours = {mid.strip() for mid in session.scalars(
            select(Message.message_id).where(Message.status == "sent", Message.message_id.is_not(None)))}  # fmt: skip
        for mail in _mails(path):
            mails += 1
            if progress is not None:
                progress(mails)
            if mail.problem is not None:
                problems.append(f"{mail.where}: {mail.problem}")
                unread += 1
                continue
            msg = parser.parsebytes(mail.raw, headersonly=True)
            if not msg.keys():
                problems.append(f"{mail.where}: no mail header found (To, Date, ...); skipped")
                unread += 1
                continue
            if ours and any(v.strip() in ours for v in _headers(msg, "Message-ID")):
                own += 1
                continue
            recipients = _recipients(msg, mail.notes)
            at = _sent_at(msg, now, mail.stored_at, mail.notes) if recipients & by_email.keys() else now
            ident = _ident(msg, mail.raw) if recipients & by_email.keys() else ""
            problems.extend(f"{mail.where}: {note}" for note in mail.notes)
            for email in sorted(recipients):
                cid = by_email.get(email)
                if cid is None:
                    strangers.add(email)
                    continue
                key = hashlib.sha256(f"{ident}|{email}".encode()).hexdigest()
                if key in seen:
                    already += 1
                    continue
                seen.add(key)
                session.add(Touch(contact_id=cid, at=at, note=_subject(msg), source="mail", source_key=key))
                latest[cid] = max(at, latest.get(cid, at))
                touches += 1
        withdrawn = sum(touch_contacts(session, [cid], at) for cid, at in latest.items())
    result: dict[str, object] = {
        "mails": mails,
        "touches": touches,
        "contacts": len(latest),
        "already": already,
    }
    if own:  # sent by nurture: counted when it went out
        result["sent_by_nurture"] = own
    if withdrawn:  # planned from an older touch; the next plan run plans them anew from these
        result["withdrawn"] = withdrawn
    if strangers:
        # Said, not hidden: a marketer who expected these people's cadence to move learns that
        # they are not contacts (import them, then import this export again: nothing is doubled).
        result["not_contacts"] = len(strangers)
        result["not_contacts_sample"] = sorted(strangers)[:10]
    if problems:
        result["problems"] = problems
    if unread:
        result["unread"] = unread
    return result
