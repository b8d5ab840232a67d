"""Applying imported records to the contact table: upsert by e-mail, then by profile URL.

Records arrive streamed from the importers and are written in batches, so a 100,000-row
file needs bounded memory. A changed company or position on a later import becomes one
`job_change` event; unsubscribes and bounces are never undone by an import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.tables import Contact, Event, ImportRun
from nurture.adapters.importers.records import ImportedContact, ImportNotice, RowProblem
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


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    job_changes: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    notices: list[ImportNotice] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "job_changes": self.job_changes,
            "problems": [str(p) for p in self.problems],
            "notices": [f"{n.file}:{n.row}: {n.message}" for n in self.notices],
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
    ) -> None:
        self.factory, self.defaults, self.now, self.actor = factory, defaults, now, actor
        self.source, self.dry_run, self.batch_size = source, dry_run, batch_size
        self.summary = ImportSummary()

    def run(
        self,
        items: Iterable[ImportedContact | RowProblem | ImportNotice],
        path: str,
        progress: Callable[[], None] | None = None,
    ) -> ImportSummary:
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
            store = ContactStore(session)
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
                else:
                    self._update(session, store, row, rec)
                if row.email:
                    by_email[row.email] = row
                if row.profile_url:
                    by_url[row.profile_url] = row
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
        if moved:
            details = {
                "old_company": row.company or "",
                "old_position": row.position or "",
                "company": changes.get("company", row.company) or "",
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
        store.update(row, changes, self.now, self.actor)
        self.summary.updated += 1

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
