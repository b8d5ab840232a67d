"""Opting out: for good, from the CLI, the one-click link or the confirmation page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Message
from nurture.domain.contacts import ContactView
from nurture.errors import InvalidTransition

OPEN = ("planned", "pending", "review", "blocked", "approved", "failed")
# A message can change under us a few times (composed, approved, claimed, given back); each
# change is another transaction's commit, so a handful of re-reads always settles it.
_TRIES = 5


def unsubscribe_contact(
    factory: sessionmaker[Session], ref: str | int, now: datetime, actor: str, source: str
) -> tuple[ContactView, int]:
    """Mark the contact unsubscribed and reject its open messages; returns (contact, messages cancelled).

    The opt-out never fails because a message changed meanwhile (the sender claimed it, a
    person approved it, the planner wrote it): that message is read again and cancelled if it
    is still open. One the sender holds (`sending`) was re-checked before this commit; it is
    recorded as whatever the relay answers, and a retry of it is refused at its next re-check.
    """
    with factory() as session, session.begin():
        store = ContactStore(session)
        view = store.unsubscribe(ref, now, actor, source)
        messages = MessageStore(session)
        rows = session.scalars(select(Message).where(Message.contact_id == view.id, Message.status.in_(OPEN)))
        cancelled = 0
        for row in list(rows):
            for _ in range(_TRIES):
                try:
                    messages.move(row, "rejected", actor, now, note="unsubscribed", reason="the contact unsubscribed")
                except InvalidTransition:
                    session.refresh(row)
                    if row.status in OPEN:
                        continue
                    break
                cancelled += 1
                break
            else:
                raise InvalidTransition(
                    f"message {row.id} kept changing while the contact was unsubscribed; run the opt-out again"
                )
    return view, cancelled
