"""Touches outside nurture: a call or meeting by hand, or the sent mail of an mbox/Maildir export.

A touch resets the contact's cadence. Imported mail is keyed by Message-ID and recipient,
so reading the same export twice records nothing twice.
"""

from __future__ import annotations

import hashlib
import mailbox
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.tables import Contact, Touch
from nurture.domain.email_address import InvalidEmail, normalise_email
from nurture.errors import NurtureError
from nurture.usecases.plan import touch_contacts


def record_touch(factory: sessionmaker[Session], ref: str, at: datetime, note: str | None) -> int:
    with factory() as session, session.begin():
        row = ContactStore(session).row(ref)
        session.add(Touch(contact_id=row.id, at=at, note=note, source="manual"))
        touch_contacts(session, [row.id], at)
        return row.id


def _messages(path: Path) -> Iterator[EmailMessage]:
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise NurtureError(f"{path}: a folder but not a Maildir (no cur/ or new/ inside)")
        box: Any = mailbox.Maildir(path, create=False)
    elif path.is_file():
        box = mailbox.mbox(path, create=False)
    else:
        raise NurtureError(f"{path}: no such file or folder; give an mbox file or a Maildir")
    for key in box.iterkeys():
        try:
            yield box.get_message(key)
        except Exception:  # one unreadable mail must not stop the rest
            continue


def _recipients(msg: EmailMessage) -> set[str]:
    found: set[str] = set()
    fields = [str(v) for name in ("To", "Cc", "Bcc") for v in (msg.get_all(name) or [])]
    for _name, addr in getaddresses(fields):
        try:
            found.add(normalise_email(addr))
        except InvalidEmail:
            continue
    return found


def _sent_at(msg: EmailMessage, now: datetime) -> datetime:
    """When the mail was sent; `now` for a missing or unreadable Date, and never later than `now`.

    A sent mail cannot come from the future: a wrong clock or a forged Date would otherwise
    hold back the contact's cadence for years.
    """
    try:
        when = parsedate_to_datetime(str(msg.get("Date", "")))
        when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return now
    return min(when, now)


def _subject(msg: EmailMessage) -> str | None:
    """The subject as a note: encoded words decoded, control characters (NUL among them) dropped."""
    raw = str(msg.get("Subject", ""))
    try:
        text = str(make_header(decode_header(raw)))
    except Exception:  # a broken encoded word: keep the subject as written
        text = raw
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())[:500] or None


def import_sent_mail(
    factory: sessionmaker[Session], path: Path, now: datetime, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    mails = touches = already = 0
    contacts: set[int] = set()
    with factory() as session, session.begin():
        by_email = {e: i for i, e in session.execute(select(Contact.id, Contact.email).where(Contact.email.is_not(None)))}
        for msg in _messages(path):
            mails += 1
            if progress is not None:
                progress(mails)
            at = _sent_at(msg, now)
            ident = str(msg.get("Message-ID", "")).strip() or hashlib.sha256(bytes(msg)).hexdigest()
            for email in _recipients(msg):
                cid = by_email.get(email)
                if cid is None:
                    continue
                key = hashlib.sha256(f"{ident}|{email}".encode()).hexdigest()
                if session.scalar(select(Touch.id).where(Touch.source_key == key)) is not None:
                    already += 1
                    continue
                session.add(Touch(contact_id=cid, at=at, note=_subject(msg), source="mail", source_key=key))
                touch_contacts(session, [cid], at)
                touches += 1
                contacts.add(cid)
    return {"mails": mails, "touches": touches, "contacts": len(contacts), "already": already}
