"""A contact as the rest of the program sees it: a plain frozen record, never an ORM row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from nurture.domain.addressing import AddressInput, NeedsReview, Salutation, display_name, salutation_for
from nurture.domain.addressing.german import SWISS, swiss
from nurture.domain.vocabulary import MAILABLE_CONSENTS


@dataclass(frozen=True)
class ContactView:
    id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    gender: str | None
    title: str | None
    language: str
    country: str | None
    formality: str
    tier: str
    timezone: str
    birthday: str | None
    company: str | None
    position: str | None
    started_on: date | None
    topics: tuple[str, ...]
    profile_url: str | None
    note: str | None
    consent: str
    consent_source: str | None
    consent_date: date | None
    unsubscribed: bool
    bounced: bool
    source: str
    created_at: datetime
    updated_at: datetime
    last_touch_at: datetime | None = None
    organisation_id: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def address_input(self) -> AddressInput:
        return AddressInput(
            first_name=self.first_name,
            last_name=self.last_name,
            gender=self.gender,
            title=self.title,
            language=self.language,
            country=self.country,
            formality=self.formality,
        )

    def salutation(self) -> Salutation | NeedsReview:
        return salutation_for(self.address_input())

    @property
    def full_name(self) -> str:
        return display_name(self.first_name, self.last_name) or (self.email or f"contact {self.id}")

    @property
    def mail_name(self) -> str:
        """The name in the To header, spelt as the salutation spells it (no ß in Swiss Standard German)."""
        name = display_name(self.first_name, self.last_name) or ""
        return swiss(name) if self.language == "de" and (self.country or "").upper() in SWISS else name

    def blocked_reason(self) -> str | None:
        """Why nothing may be mailed to this contact, or None (product rule 5).

        A whole clause with its subject ("the contact has unsubscribed"), so it reads right after
        "message 7 cannot be approved: " or "not sent: ".
        """
        if self.email is None:
            return "the contact has no e-mail address"
        if self.unsubscribed:
            return "the contact has unsubscribed"
        if self.bounced:
            return "the contact's address bounced"
        if self.consent not in MAILABLE_CONSENTS:
            return f"the contact has no legal basis for e-mail (consent is {self.consent or 'none'})"
        return None


def stored_name(first_name: str | None, last_name: str | None, email: str | None, ident: object = None) -> str:
    """The name exactly as stored, for people who check and fix records (lists, reports, the digest).

    A contact with only a last name is listed by it, not by its address; one without any name by
    its address, or by its number.
    """
    name = " ".join(p.strip() for p in (first_name, last_name) if p and p.strip())
    return name or email or (f"contact {ident}" if ident is not None else "")


def review_state(contact: ContactView) -> tuple[bool, str | None]:
    """(needs_review, reason) as stored on the row, from the salutation builder."""
    result = contact.salutation()
    if isinstance(result, NeedsReview):
        return True, result.reason
    return False, None
