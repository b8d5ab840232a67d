"""Validating a hand correction of a contact before it is stored."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nurture.adapters.db.tables import Contact, Message
from nurture.domain.addressing.names import display_name
from nurture.domain.birthdays import birthday_date, implausible_birthday
from nurture.domain.email_address import InvalidEmail, normalise_email
from nurture.domain.vocabulary import MAX_LENGTH, control_character
from nurture.errors import NurtureError
from nurture.planning.send_time import UnknownTimeZone, zone
from nurture.usecases.contact_values import read_as_import

# A message not yet handed to the relay (or handed over and failed): built again at its next attempt.
UNSENT = ("planned", "pending", "review", "blocked", "approved", "failed")

TEXT_FIELDS = ("first_name", "last_name", "title", "company", "position", "consent_source", "note")


def validated_changes(
    fields: Mapping[str, Any], now: datetime, label: Callable[[str], str] = lambda name: "--" + name.replace("_", "-")
) -> dict[str, Any]:
    """Column values from edit options; a bad value raises with a plain hint.

    Country, time zone and birthday are first read by the import's own parsers (`read_as_import`,
    its refusals named by `label(field)`), so an edit accepts and stores exactly what an import does.
    """
    fields = read_as_import(fields, label)
    changes: dict[str, Any] = {}
    if "email" in fields:
        text = str(fields["email"]).strip()
        if not text:
            raise NurtureError("--email is empty; give the contact's new address, like name@example.com")
        try:
            changes["email"] = normalise_email(text)  # the form the import stores, so it finds the contact again
        except InvalidEmail as exc:
            raise NurtureError(f"--email: {exc}; give an address like name@example.com") from None
    for name in TEXT_FIELDS:
        if name in fields:
            value = " ".join(str(fields[name]).split())
            option = "--" + name.replace("_", "-")
            odd = control_character(value)
            if odd is not None:
                raise NurtureError(f"{option} contains the control character {odd!r}; remove it")
            limit = MAX_LENGTH.get(name)
            if limit is not None and len(value) > limit:
                raise NurtureError(f"{option} is {len(value)} characters long; at most {limit} fit, shorten it")
            changes[name] = value or None
    if "gender" in fields:
        changes["gender"] = None if fields["gender"] in ("unknown", "") else fields["gender"]
    for name in ("formality", "language", "tier", "consent"):
        if name in fields:
            changes[name] = fields[name]
    if "consent" in fields:
        changes["consent_date"] = now.date()
    if "country" in fields:
        changes["country"] = fields["country"]  # an ISO code: read_as_import refused anything else
    if "birthday" in fields:
        text = str(fields["birthday"]).strip()
        day = birthday_date(text)
        if text and day is None:
            raise NurtureError(f"--birthday {text!r} is not a date; write it like 1980-05-17 or --05-17")
        why = implausible_birthday(day, now.date()) if day is not None else None
        if why is not None:
            raise NurtureError(f"--birthday {why}; write the year of birth, or --{text[-5:]} "
                               "when the year is not known")  # fmt: skip
        changes["birthday"] = text or None
    if "timezone" in fields:
        try:
            zone(str(fields["timezone"]))
        except UnknownTimeZone:  # also "Europe" (a folder of zones) and names with a NUL
            raise NurtureError(
                f"--timezone {fields['timezone']!r} is not a time zone; write it like Europe/Berlin"
            ) from None
        changes["timezone"] = str(fields["timezone"])
    if "topics" in fields:
        changes["topics"] = ";".join(t.strip() for t in str(fields["topics"]).split(";") if t.strip())
    return changes


def change_address(session: Session, row: Contact, email: str) -> dict[str, Any]:
    """The changes that give `row` the (normalised) address `email`; refused if another contact has it.

    A bounce belonged to the old address, so it is cleared; an opt-out belongs to the person and
    stays. The stored bytes of its unsent messages (kept for a retry with the same Message-ID)
    carry the old address in their To: header: they are dropped, so each is built again.
    Returns the column changes for `ContactStore.update`, empty when the address is already its own.
    """
    if email == row.email:
        return {}
    other = session.scalar(select(Contact).where(Contact.email == email, Contact.id != row.id))
    if other is not None:
        name = display_name(other.first_name, other.last_name)
        raise NurtureError(
            f"--email {email} is already the address of contact {other.id}" + (f" ({name})" if name else "")
            + "; an address belongs to one contact only, so nothing was changed. If they are one person, "
            f"keep contact {other.id} and stop mail to this one: "
            f"`nurture contacts edit {row.id} --consent none`"
        )  # fmt: skip
    session.execute(
        update(Message)
        .where(Message.contact_id == row.id, Message.status.in_(UNSENT), Message.raw.is_not(None))
        .values(raw=None)
    )
    changes: dict[str, Any] = {"email": email}
    if row.bounced:
        changes["bounced"] = False
    return changes
