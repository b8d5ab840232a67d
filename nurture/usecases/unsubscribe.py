"""Opting out: for good, from the CLI, the one-click link or the confirmation page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.importing import ImportDefaults
from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Message
from nurture.domain.contacts import ContactView
from nurture.domain.email_address import InvalidEmail, normalise_email
from nurture.errors import NotFound

OPEN = ("planned", "pending", "review", "blocked", "approved", "failed")


def unsubscribe_contact(
    factory: sessionmaker[Session], ref: str | int, now: datetime, actor: str, source: str
) -> tuple[ContactView, int]:
    """Mark the contact unsubscribed and reject its open messages; returns (contact, messages cancelled).

    The opt-out never fails because a message changed meanwhile (the sender claimed it, a
    person approved it, the planner wrote it): the open messages are read under a lock, so
    such a change is seen before any of them is cancelled. One the sender holds (`sending`)
    is checked again before it goes to the relay (see `being_sent`), unless the relay has it
    already: then it is recorded as whatever the relay answers, and a retry of it is refused.
    """
    with factory() as session, session.begin():
        store = ContactStore(session)
        view = store.unsubscribe(ref, now, actor, source)
        messages = MessageStore(session)
        # Locked as read: a claim by the sender or a person's approval running now commits first
        # and is seen here (a message now `sending` is no longer open), or waits for this opt-out.
        rows = session.scalars(
            select(Message)
            .where(Message.contact_id == view.id, Message.status.in_(OPEN))
            .order_by(Message.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        cancelled = 0
        for row in list(rows):
            messages.move(row, "rejected", actor, now, note="unsubscribed", reason="the contact unsubscribed")
            cancelled += 1
    return view, cancelled


def being_sent(factory: sessionmaker[Session], contact_id: int) -> int:
    """The contact's messages a sender holds right now (`sending`): said when the contact opts out.

    The sender checks each of them again before it writes it to the relay, so they are not sent;
    one already with the relay may still arrive, and that is worth telling the person who acts.
    """
    with factory() as session:
        query = select(Message.id).where(Message.contact_id == contact_id, Message.status == "sending")
        return len(list(session.scalars(query)))


def keep_address(factory: sessionmaker[Session], ref: str, now: datetime, actor: str, defaults: ImportDefaults) -> bool:
    """Make sure an address that asks to opt out is on record; True when it had to be added.

    The person asked before being imported (or from an address nurture does not know yet): the
    address is kept as a contact of its own, without a legal basis, so the opt-out that follows
    holds for it; an import later fills in the name but can never undo the opt-out.
    """
    text = ref.strip()
    if text.isdigit():
        return False  # a contact number: it is one or it is not, nothing to keep
    with factory() as session, session.begin():
        store = ContactStore(session)
        try:
            store.row(text)
            return False
        except NotFound:
            pass
        try:
            email = normalise_email(text)
        except InvalidEmail as exc:
            raise NotFound(f"{text!r} is no contact and no e-mail address ({exc}); check the spelling") from exc
        store.add({"email": email, "language": defaults.language, "country": defaults.country,
                   "formality": defaults.formality, "timezone": defaults.timezone, "tier": defaults.tier,
                   "consent": "none", "source": "unsubscribe"}, now, actor)  # fmt: skip
        return True
