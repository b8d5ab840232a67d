"""SQLAlchemy 2 tables: the database is nurture's single source of truth.

The daemon's scheduler keeps no state; everything that must survive a crash or be shared
between several daemons (claims, leases, the idempotency keys) lives in these tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive; we re-attach UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; all instants are aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The largest value an INTEGER column (every id) holds on SQLite and PostgreSQL alike.
MAX_ID = 2**31 - 1
MAX_ID_DIGITS = len(str(MAX_ID))
# Who did it (an approver's name, a worker id) fits in this many characters.
MAX_ACTOR = 100


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), unique=True)


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored normalised (lower case, Unicode domain), so UNIQUE means case-insensitively unique.
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    gender: Mapped[str | None] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(5))
    country: Mapped[str | None] = mapped_column(String(2))
    formality: Mapped[str] = mapped_column(String(10))
    tier: Mapped[str] = mapped_column(String(1), default="B")
    timezone: Mapped[str] = mapped_column(String(64))
    birthday: Mapped[str | None] = mapped_column(String(10))
    birthday_md: Mapped[int | None] = mapped_column(Integer, index=True)
    company: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(300))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    started_on: Mapped[date | None] = mapped_column(Date)
    started_md: Mapped[int | None] = mapped_column(Integer, index=True)
    topics: Mapped[str] = mapped_column(Text, default="")
    profile_url: Mapped[str | None] = mapped_column(String(500), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    connected_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(50), default="manual")
    consent: Mapped[str] = mapped_column(String(20), default="none")
    consent_source: Mapped[str | None] = mapped_column(Text)
    consent_date: Mapped[date | None] = mapped_column(Date)
    unsubscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    bounced: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    review_reason: Mapped[str | None] = mapped_column(Text)
    last_touch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the next content drop or reconnect falls due: planning selects only due contacts.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsentEvent(Base):
    """Append-only history of the legal basis; unsubscribes and bounces are never overwritten."""

    __tablename__ = "consent_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    basis: Mapped[str] = mapped_column(String(20))  # opt_in | existing_customer | none | unsubscribed | bounced
    source: Mapped[str | None] = mapped_column(Text)
    date: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(MAX_ACTOR))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Relation(Base):
    __tablename__ = "relations"
    __table_args__ = (UniqueConstraint("kind", "from_id", "to_id", name="uq_relations_edge"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    from_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    date: Mapped[date] = mapped_column(Date)
    details: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(50))
    learned_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Touch(Base):
    """An interaction that resets the cadence: a call, a meeting, a hand-written or a nurture mail."""

    __tablename__ = "touches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(30))
    # For imported sent mail: Message-ID + recipient, so re-reading the mbox records nothing twice.
    source_key: Mapped[str | None] = mapped_column(String(500), unique=True)


class ImportRun(Base):
    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_status_send_at", "status", "send_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The idempotency key: planning inserts only if absent, so re-planning adds nothing.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    occasion: Mapped[str] = mapped_column(String(30))
    occasion_date: Mapped[date] = mapped_column(Date)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    content_id: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(5))
    template: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set (and committed) just before the SMTP transaction starts: a dead lease without it
    # never reached the relay and is safely re-queued; with it, delivery is uncertain.
    handed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(MAX_ACTOR))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageLog(Base):
    """Every status change: who, when, why (the audit trail of approvals and sends)."""

    __tablename__ = "message_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(MAX_ACTOR))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    attempt_no: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    smtp_text: Mapped[str | None] = mapped_column(Text)


class Run(Base):
    """A plan, send or digest run, for `nurture status` and the digest's once-a-day rule."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_kind_started", "kind", "started_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    day_key: Mapped[str | None] = mapped_column(String(40), unique=True)


class PlanMark(Base):
    """Where a complete planning run left off, so that the next run looks only at what is new.

    `fingerprint` names the planning rules and content library the run planned with; a run with
    other rules or another library starts from scratch. `swept_at` is when a run last looked at
    every due contact (the daily sweep); `max_event_id` is the newest event that run had seen.
    """

    __tablename__ = "plan_marks"
    __table_args__ = (Index("ix_plan_marks_fingerprint", "fingerprint", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    horizon_end: Mapped[datetime] = mapped_column(UTCDateTime)
    swept_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_event_id: Mapped[int] = mapped_column(Integer)


class WebLogout(Base):
    """A session of the approval page ended by logging out, kept until its cookie would have expired.

    The session cookie is signed, not stored: without this list a copy of it would stay good for
    its whole lifetime after the approver logged out. Every web process sharing the database
    sees the list, and a restart keeps it.
    """

    __tablename__ = "web_logouts"
    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
