"""Touches outside nurture: a call or meeting by hand, or the sent mail of an mbox/Maildir export.

A touch resets the contact's cadence. Imported mail is keyed by Message-ID and recipient,
so reading the same export twice records nothing twice (the export is read by
`nurture.adapters.mail_export`). Only the header of each mail is parsed: the body (attachments, forwarded mails) never counts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import Message as EmailMessage
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime, parsedate_tz
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.tables import Contact, Message, Touch
from nurture.adapters.mail_export import export_mails, header_values, subject_text
from nurture.domain.email_address import InvalidEmail, normalise_email
from nurture.usecases.plan import touch_contacts


def record_touch(factory: sessionmaker[Session], ref: str, at: datetime, note: str | None) -> tuple[int, int]:
    """Record a touch; returns the contact's id and how many planned cadence messages it withdrew."""
    with factory() as session, session.begin():
        row = ContactStore(session).row(ref)
        session.add(Touch(contact_id=row.id, at=at, note=note, source="manual"))
        return row.id, touch_contacts(session, [row.id], at)


_ADDR_SPEC = re.compile(r"[^\s<>()\[\]\",;:@]+@[^\s<>()\[\]\",;:@]+")


def _recipients(msg: EmailMessage, notes: list[str]) -> set[str]:
    """The addresses the mail went to: Resent-To/Cc/Bcc for a resent mail, else To, Cc and Bcc.

    Each field is read on its own, so a broken one (an unbalanced quote) cannot swallow the
    others; the addresses written in a broken field are still taken.
    """
    resent = [v for name in ("Resent-To", "Resent-Cc", "Resent-Bcc") for v in header_values(msg, name)]
    fields = resent or [v for name in ("To", "Cc", "Bcc") for v in header_values(msg, name)]
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
    dates = header_values(msg, "Date")
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


def _ident(msg: EmailMessage, raw: bytes) -> str:
    """What tells this mail from others: its Message-ID, else a digest of the whole mail.

    The digest is the one earlier versions took (of the mail as `mailbox` gave it, without the
    blank line that ends an mbox entry), so a re-import after an upgrade records nothing twice.
    An empty Message-ID ("<>") tells nothing: two such mails are two mails.
    """
    ids = [v.strip() for v in header_values(msg, "Message-ID")]
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
        for mail in export_mails(path):
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
            if ours and any(v.strip() in ours for v in header_values(msg, "Message-ID")):
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
                session.add(Touch(contact_id=cid, at=at, note=subject_text(msg), source="mail", source_key=key))
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
