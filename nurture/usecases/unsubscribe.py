"""Opting out: for good, from the CLI, the one-click link or the confirmation page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Message
from nurture.domain.contacts import ContactView

OPEN = ("planned", "pending", "review", "blocked", "approved", "failed")


def unsubscribe_contact(
    factory: sessionmaker[Session], ref: str | int, now: datetime, actor: str, source: str
) -> tuple[ContactView, int]:
    """Mark the contact unsubscribed and reject its open messages; returns (contact, messages cancelled)."""
    with factory() as session, session.begin():
        store = ContactStore(session)
        view = store.unsubscribe(ref, now, actor, source)
        messages = MessageStore(session)
        rows = session.scalars(select(Message).where(Message.contact_id == view.id, Message.status.in_(OPEN)))
        cancelled = 0
        for row in list(rows):
            messages.move(row, "rejected", actor, now, note="unsubscribed", reason="the contact unsubscribed")
            cancelled += 1
    return view, cancelled
