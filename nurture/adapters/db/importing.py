"""Applying imported records to the contact table: upsert by e-mail, then by profile URL.

Records arrive streamed from the importers and are written in batches, so a 100,000-row
file needs bounded memory. A changed company or position on a later import becomes one
`job_change` event; unsubscribes and bounces are never undone by an import.

A record that creates a contact although one with the same name (and a matching or missing
company) was there before, under another address, is reported as a possible duplicate: most
often the person changed address, and both records would be mailed.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import ContactStore, to_view
from nurture.adapters.db.engine import fold
from nurture.adapters.db.tables import Contact, Event, ImportRun
from nurture.adapters.importers.records import ImportedContact, ImportNotice, RowProblem
from nurture.domain.addressing.names import display_name
from nurture.domain.birthdays import birthday_text

FIELDS = (
    "first_name", "last_name", "gender", "title", "language", "country", "formality", "birthday",
    "company", "position", "started_on", "timezone", "tier", "consent", "consent_source",
    "consent_date", "profile_url", "note", "connected_on", "email",
)  # fmt: skip


@dataclass(frozen=True)
class ImportDefaults:
    language: str
    country: str
    formality: str
    consent: str
    timezone: str
    tier: str = "C"


def text_key(value: str | None) -> str:
    """A name or company as compared for duplicates: case-insensitive, runs of white space as one space."""
    return " ".join((value or "").split()).casefold()


@dataclass(frozen=True)
class JobChange:
    """A contact whose company or position changed on this import."""

    contact_id: int
    email: str | None
    name: str
    new_role: bool  # the position changed at the same company (or without any company)

    def as_dict(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "email": self.email,
            "name": self.name,
            "new_role": self.new_role,
        }


@dataclass(frozen=True)
class PossibleDuplicate:
    """A created contact with the name of a contact that was there before, under another address."""

    file: str
    row: int
    email: str
    name: str
    company: str | None
    contact_id: int | None  # None in a dry run: nothing was created
    existing_id: int
    existing_email: str | None
    existing_company: str | None
    existing_unsubscribed: bool
    existing_blocked: str | None  # why the old record is not mailed anyway, e.g. its address bounced
    dry_run: bool

    def advice(self) -> str:
        """What the user can do about it, in words that say exactly what each step does."""
        old = self.existing_id
        new_address = shlex.quote(self.email or "")
        if self.dry_run:
            return (f"if they are one person, give contact {old} its new address before importing: "
                    f"`nurture contacts edit {old} --email {new_address}`, then the import updates it instead "
                    "(this dry run changed nothing)")  # fmt: skip
        if self.existing_unsubscribed:
            return (f"contact {old} has unsubscribed: if they are one person, the opt-out holds for the new "
                    f"record too, so run `nurture unsubscribe {new_address}` now")  # fmt: skip
        if self.existing_blocked:
            return (f"contact {old} is not mailed ({self.existing_blocked}), so only contact {self.contact_id} "
                    "gets mail and nothing needs doing; next time, `nurture contacts edit OLD --email NEW` before "
                    "importing keeps one record with its history")  # fmt: skip
        source = shlex.quote(f"same person as contact {self.contact_id}")
        return (f"if they are one person, both records are now mailed; stop mail to the old one with "
                f"`nurture contacts edit {old} --consent none --consent-source {source}`: nothing more is "
                f"planned for contact {old} and none of its messages can be approved or sent (reject what is "
                f"still open for it, listed by `nurture contacts show {old}`), while contact {self.contact_id} "
                f"is written to from now on; next time, run `nurture contacts edit OLD --email NEW` before "
                "importing (`nurture import --dry-run` shows such cases)")  # fmt: skip

    def describe(self) -> str:
        def who(name: str, email: str | None, company: str | None) -> str:
            return f"{name} <{email or 'no address'}>" + (f" ({company})" if company else "")

        new = who(self.name, self.email, self.company)
        old = who(self.name, self.existing_email, self.existing_company)
        made = (
            "would be created as a new contact"
            if self.dry_run
            else f"was created as contact {self.contact_id}"
        )
        return (
            f"possible duplicate: {new} {made}, but contact {self.existing_id} {old} has the same name; "
            + self.advice()
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "email": self.email,
            "name": self.name,
            "company": self.company,
            "contact_id": self.contact_id,
            "existing_id": self.existing_id,
            "existing_email": self.existing_email,
            "existing_company": self.existing_company,
            "existing_unsubscribed": self.existing_unsubscribed,
            "existing_blocked": self.existing_blocked,
            "advice": self.advice(),
        }


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    job_changes: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    notices: list[ImportNotice] = field(default_factory=list)
    job_changed: list[JobChange] = field(default_factory=list)
    possible_duplicates: list[PossibleDuplicate] = field(default_factory=list)
    # Open messages of updated contacts written again, by the status they have now (see `Importer`).
    messages_moved: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "job_changes": self.job_changes,
            "problems": [str(p) for p in self.problems],
            "notices": [f"{n.file}:{n.row}: {n.message}" for n in self.notices],
            "job_change_contacts": [j.as_dict() for j in self.job_changed],
            "possible_duplicates": [d.as_dict() for d in self.possible_duplicates],
            "messages_moved": dict(self.messages_moved),
        }


def record_values(rec: ImportedContact) -> dict[str, Any]:
    """The columns an imported record provides (empty cells provide nothing)."""
    values: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(rec, name, None)
        if name == "birthday" and isinstance(value, date):
            value = birthday_text(value, getattr(rec, "birthday_has_year", True))
        if value is not None and value != "":
            values[name] = value
    if rec.topics:
        values["topics"] = ";".join(t.strip() for t in rec.topics if t.strip())
    return values


def new_contact_values(rec: ImportedContact, defaults: ImportDefaults, source: str) -> dict[str, Any]:
    values = {
        "language": defaults.language,
        "country": defaults.country,
        "formality": defaults.formality,
        "consent": defaults.consent,
        "timezone": defaults.timezone,
        "tier": defaults.tier,
        "source": source,
    }
    values.update(record_values(rec))
    return values


def changes_for(row: Contact, rec: ImportedContact) -> dict[str, Any]:
    return {name: value for name, value in record_values(rec).items() if getattr(row, name) != value}


class Importer:
    """Writes a stream of records; one transaction per batch, the import run recorded at the end."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        defaults: ImportDefaults,
        now: datetime,
        actor: str,
        source: str,
        dry_run: bool = False,
        batch_size: int = 500,
        after_update: Callable[[Session, list[int]], Mapping[str, int]] | None = None,
    ) -> None:
        self.factory, self.defaults, self.now, self.actor = factory, defaults, now, actor
        self.source, self.dry_run, self.batch_size = source, dry_run, batch_size
        # Called in each batch's transaction with the contacts it changed: their open messages are
        # written again from the new details before the change is committed, so no message keeps
        # a salutation (or language, or name) the contact no longer has.
        self.after_update = after_update
        self._updated: list[int] = []
        self.summary = ImportSummary()
        self.path = ""
        # The highest contact id before this import: only contacts up to it count as "there before".
        self._last_before: int | None = None

    def run(
        self,
        items: Iterable[ImportedContact | RowProblem | ImportNotice],
        path: str,
        progress: Callable[[], None] | None = None,
    ) -> ImportSummary:
        self.path = path
        batch: list[ImportedContact] = []
        for item in items:
            if isinstance(item, RowProblem):
                self.summary.rejected += 1
                self.summary.problems.append(item)
            elif isinstance(item, ImportNotice):
                self.summary.notices.append(item)
            else:
                batch.append(item)
                if len(batch) >= self.batch_size:
                    self._write(batch)
                    batch = []
            if progress is not None:
                progress()
        if batch:
            self._write(batch)
        if not self.dry_run:
            self._record_run(path)
        return self.summary

    def _write(self, batch: list[ImportedContact]) -> None:
        with self.factory() as session:
            if self._last_before is None:
                self._last_before = session.scalar(select(func.max(Contact.id))) or 0
            store = ContactStore(session)
            created: list[tuple[ImportedContact, Contact]] = []
            emails = [r.email for r in batch if r.email]
            urls = [r.profile_url for r in batch if r.profile_url]
            by_email, by_url = store.find_existing(emails, urls)
            for rec in batch:
                row = (by_email.get(rec.email) if rec.email else None) or (
                    by_url.get(rec.profile_url) if rec.profile_url else None
                )
                if row is None and not rec.email and not rec.profile_url:
                    row = self._by_name(session, rec)
                if row is None:
                    row = store.add(new_contact_values(rec, self.defaults, self.source), self.now, self.actor)
                    self.summary.created += 1
                    created.append((rec, row))
                else:
                    self._update(session, store, row, rec)
                if row.email:
                    by_email[row.email] = row
                if row.profile_url:
                    by_url[row.profile_url] = row
            if created:
                self._find_duplicates(session, created)
            if self._updated and self.after_update is not None and not self.dry_run:
                session.flush()
                for status, n in self.after_update(session, self._updated).items():
                    self.summary.messages_moved[status] = self.summary.messages_moved.get(status, 0) + n
            self._updated = []
            if self.dry_run:
                session.rollback()
            else:
                session.commit()

    def _update(self, session: Session, store: ContactStore, row: Contact, rec: ImportedContact) -> None:
        changes = changes_for(row, rec)
        if not changes:
            self.summary.unchanged += 1
            return
        moved = {k for k in ("company", "position") if k in changes and getattr(row, k)}
        if "company" in moved and text_key(changes["company"]) == text_key(row.company):
            moved.discard("company")  # only written differently ("WEBER & PARTNER"): the same company
        if moved:
            company = changes.get("company", row.company) or ""
            # A position changed within the same company keeps old_company == company: the
            # templates read that as a new role there, not as a move (templates/README.md).
            details = {
                "old_company": company if "company" not in moved else row.company or "",
                "old_position": row.position or "",
                "company": company,
                "position": changes.get("position", row.position) or "",
            }
            session.add(
                Event(
                    contact_id=row.id,
                    kind="job_change",
                    date=self.now.date(),
                    details=details,
                    source=f"import:{self.source}",
                    learned_at=self.now,
                )
            )
            self.summary.job_changes += 1
            new_role = "company" not in moved
            name = display_name(row.first_name, row.last_name) or row.email or f"contact {row.id}"
            self.summary.job_changed.append(JobChange(row.id, row.email, name, new_role))
        store.update(row, changes, self.now, self.actor)
        self.summary.updated += 1
        self._updated.append(row.id)

    def _find_duplicates(self, session: Session, created: list[tuple[ImportedContact, Contact]]) -> None:
        """Report created contacts whose name a contact from before this import has, under another address.

        One query per batch finds the candidates by last name (or by first name when there is
        none); the exact comparison (case, white space, company) is made here.
        """
        keyed = [(rec, row, (text_key(rec.first_name), text_key(rec.last_name))) for rec, row in created]
        # A record without address is never mailed, so it cannot get anything twice: left out.
        keyed = [(rec, row, key) for rec, row, key in keyed if rec.email and (key[0] or key[1])]
        if not keyed:
            return
        lasts: set[str] = set()
        firsts: set[str] = set()
        for rec, _, key in keyed:
            if key[1]:
                lasts.add(" ".join((rec.last_name or "").split()).lower())
            else:
                firsts.add(" ".join((rec.first_name or "").split()).lower())
        conditions = []
        if lasts:
            conditions.append(fold(Contact.last_name).in_(sorted(lasts)))
        if firsts:
            conditions.append(and_(or_(Contact.last_name.is_(None), Contact.last_name == ""),
                                   fold(Contact.first_name).in_(sorted(firsts))))  # fmt: skip
        query = (
            select(Contact)
            .where(Contact.id <= (self._last_before or 0), or_(*conditions))
            .order_by(Contact.id)
        )
        candidates: dict[tuple[str, str], list[Contact]] = {}
        for old in session.scalars(query):
            candidates.setdefault((text_key(old.first_name), text_key(old.last_name)), []).append(old)
        for rec, row, key in keyed:
            for old in candidates.get(key, []):
                if old.email == rec.email:
                    continue
                if old.company and rec.company and text_key(old.company) != text_key(rec.company):
                    continue  # two people of the same name in different companies
                name = display_name(rec.first_name, rec.last_name) or " ".join(k for k in key if k)
                self.summary.possible_duplicates.append(
                    PossibleDuplicate(
                        file=self.path, row=rec.row, email=rec.email or "", name=name, company=rec.company,
                        contact_id=None if self.dry_run else row.id, existing_id=old.id,
                        existing_email=old.email, existing_company=old.company,
                        existing_unsubscribed=bool(old.unsubscribed),
                        existing_blocked=to_view(old).blocked_reason(), dry_run=self.dry_run,
                    )
                )  # fmt: skip

    def _by_name(self, session: Session, rec: ImportedContact) -> Contact | None:
        """A contact without e-mail or profile URL is matched by its exact name and company."""
        if not (rec.first_name or rec.last_name):
            return None
        query = select(Contact).where(
            Contact.email.is_(None),
            Contact.profile_url.is_(None),
            Contact.first_name == rec.first_name,
            Contact.last_name == rec.last_name,
            Contact.company == rec.company,
        )
        return session.scalars(query).first()

    def _record_run(self, path: str) -> None:
        s = self.summary
        with self.factory() as session, session.begin():
            session.add(
                ImportRun(
                    path=path,
                    format=self.source,
                    started_at=self.now,
                    finished_at=self.now,
                    created=s.created,
                    updated=s.updated,
                    unchanged=s.unchanged,
                    rejected=s.rejected,
                )
            )
