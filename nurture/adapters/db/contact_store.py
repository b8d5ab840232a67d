"""Contacts in the database: row ↔ ContactView mapping, lookups, edits, consent history.

No ORM object leaves this module; callers get frozen `ContactView`s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from nurture.adapters.db.tables import MAX_ID, MAX_ID_DIGITS, ConsentEvent, Contact, Organisation
from nurture.domain.birthdays import birthday_date
from nurture.domain.contacts import ContactView, review_state
from nurture.domain.email_address import InvalidEmail, normalise_email
from nurture.errors import NotFound
from nurture.planning.next_due import month_day


def to_view(row: Any) -> ContactView:
    """A contact row (ORM object or plain result row with the same column names) as a view."""
    return ContactView(
        id=row.id,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        gender=row.gender,
        title=row.title,
        language=row.language,
        country=row.country,
        formality=row.formality,
        tier=row.tier,
        timezone=row.timezone,
        birthday=row.birthday,
        company=row.company,
        position=row.position,
        started_on=row.started_on,
        topics=tuple(t for t in (row.topics or "").split(";") if t),
        profile_url=row.profile_url,
        note=row.note,
        consent=row.consent,
        consent_source=row.consent_source,
        consent_date=row.consent_date,
        unsubscribed=row.unsubscribed,
        bounced=row.bounced,
        source=row.source,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_touch_at=row.last_touch_at,
        organisation_id=row.organisation_id,
    )


def refresh_derived(session: Session, row: Contact) -> None:
    """Recompute the columns derived from others: review flag, month-days, organisation."""
    row.birthday_md = month_day(birthday_date(row.birthday))
    row.started_md = month_day(row.started_on)
    needs, reason = review_state(to_view(row))
    row.needs_review, row.review_reason = needs, reason
    row.organisation_id = organisation_id(session, row.company) if row.company else None


def organisation_id(session: Session, name: str) -> int:
    """The organisation for a company name; colleagues are implied by sharing one."""
    key = " ".join(name.split()).casefold()
    found = session.scalar(select(Organisation.id).where(Organisation.name_key == key))
    if found is not None:
        return found
    org = Organisation(name=name.strip(), name_key=key)
    session.add(org)
    session.flush()
    return org.id


class ContactStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def row(self, ref: str | int) -> Contact:
        """Find a contact by id or e-mail address (any case, IDN or punycode)."""
        text = str(ref).strip()
        row: Contact | None
        if text.isdigit():
            # A number too long for an INTEGER column is no contact (and never reaches the database).
            number = int(text) if len(text) <= MAX_ID_DIGITS else 0
            row = self.session.get(Contact, number) if 0 < number <= MAX_ID else None
        else:
            try:
                email = normalise_email(text)
            except InvalidEmail:
                email = text.lower()
            # NUL is in no stored address (and PostgreSQL refuses it in a query).
            row = None if "\x00" in email else self.session.scalar(select(Contact).where(Contact.email == email))
        if row is None:
            raise NotFound(f"no contact {text!r}; `nurture contacts list` shows who is there")
        return row

    def get(self, ref: str | int) -> ContactView:
        return to_view(self.row(ref))

    def by_id(self, contact_id: int) -> ContactView | None:
        row = self.session.get(Contact, contact_id)
        return to_view(row) if row is not None else None

    def iter_all(self, review_only: bool = False, batch: int = 1000) -> Iterator[tuple[ContactView, str | None]]:
        """All contacts with their review reason, streamed in id order."""
        last = 0
        while True:
            query = select(Contact).where(Contact.id > last).order_by(Contact.id).limit(batch)
            if review_only:
                query = query.where(Contact.needs_review.is_(True))
            rows = list(self.session.scalars(query))
            if not rows:
                return
            for row in rows:
                yield to_view(row), row.review_reason
            last = rows[-1].id

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Contact)) or 0

    def find_existing(self, emails: list[str], urls: list[str]) -> tuple[dict[str, Contact], dict[str, Contact]]:
        """Existing rows for a batch of imported records, by e-mail and by profile URL."""
        by_email: dict[str, Contact] = {}
        by_url: dict[str, Contact] = {}
        if emails or urls:
            conditions = []
            if emails:
                conditions.append(Contact.email.in_(emails))
            if urls:
                conditions.append(Contact.profile_url.in_(urls))
            for row in self.session.scalars(select(Contact).where(or_(*conditions))):
                if row.email:
                    by_email[row.email] = row
                if row.profile_url:
                    by_url[row.profile_url] = row
        return by_email, by_url

    def add(self, values: Mapping[str, Any], now: datetime, actor: str) -> Contact:
        row = Contact(**values, created_at=now, updated_at=now)
        row.unsubscribed = False
        row.bounced = False
        refresh_derived(self.session, row)
        self.session.add(row)
        self.session.flush()
        self.record_consent(row, row.consent, row.consent_source, row.consent_date, now, actor)
        return row

    def record_consent(
        self, row: Contact, basis: str, source: str | None, day: date | None, now: datetime, actor: str
    ) -> None:
        """Append to the consent history; the history is never rewritten."""
        self.session.add(
            ConsentEvent(
                contact_id=row.id, basis=basis, source=source, date=day, recorded_by=actor, recorded_at=now
            )
        )

    def update(self, row: Contact, changes: Mapping[str, Any], now: datetime, actor: str) -> None:
        """Apply changes; a new legal basis is appended to the consent history."""
        consent_changed = "consent" in changes and changes["consent"] != row.consent
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = now
        row.next_due_at = None  # the next planning run looks at this contact again
        refresh_derived(self.session, row)
        if consent_changed:
            self.record_consent(row, row.consent, row.consent_source, row.consent_date, now, actor)

    def unsubscribe(self, ref: str | int, now: datetime, actor: str, source: str = "request") -> ContactView:
        """Opt a contact out for good: later imports can never undo it."""
        row = self.row(ref)
        if not row.unsubscribed:
            row.unsubscribed = True
            row.updated_at = now
            self.record_consent(row, "unsubscribed", source, now.date(), now, actor)
        return to_view(row)

    def mark_bounced(self, contact_id: int, now: datetime, reason: str) -> None:
        row = self.session.get(Contact, contact_id)
        if row is not None and not row.bounced:
            row.bounced = True
            row.updated_at = now
            self.record_consent(row, "bounced", reason, now.date(), now, "delivery")

    def consent_history(self, contact_id: int) -> list[ConsentEvent]:
        return list(
            self.session.scalars(
                select(ConsentEvent).where(ConsentEvent.contact_id == contact_id).order_by(ConsentEvent.id)
            )
        )
