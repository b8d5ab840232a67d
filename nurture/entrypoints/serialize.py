"""Contacts and messages as the JSON of SPEC.md (shared by the CLI and the web page)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from nurture.adapters.db.tables import Message
from nurture.domain.addressing import NeedsReview
from nurture.domain.contacts import ContactView
from nurture.planning.send_time import UnknownTimeZone, zone


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def local_iso(value: datetime | None, timezone: str, timespec: str = "auto") -> str | None:
    """An instant in the contact's own zone, ISO-8601 with offset."""
    if value is None:
        return None
    try:
        return value.astimezone(zone(timezone)).isoformat(timespec=timespec)
    except UnknownTimeZone:  # a stored zone that is none ("Europe" is a folder)
        return value.isoformat(timespec=timespec)


def contact_json(view: ContactView) -> dict[str, Any]:
    result = view.salutation()
    salutation, reason = (None, result.reason) if isinstance(result, NeedsReview) else (result.line, None)
    return {
        "id": view.id,
        "email": view.email,
        "first_name": view.first_name,
        "last_name": view.last_name,
        "gender": view.gender,
        "title": view.title,
        "language": view.language,
        "country": view.country,
        "formality": view.formality,
        "tier": view.tier,
        "timezone": view.timezone,
        "birthday": view.birthday,
        "company": view.company,
        "position": view.position,
        "started_on": iso(view.started_on),
        "topics": list(view.topics),
        "consent": view.consent,
        "consent_source": view.consent_source,
        "consent_date": iso(view.consent_date),
        "unsubscribed": view.unsubscribed,
        "bounced": view.bounced,
        "profile_url": view.profile_url,
        "note": view.note,
        "source": view.source,
        "last_touch_at": iso(view.last_touch_at),
        "salutation": salutation,
        "review_reason": reason,
    }


def message_json(row: Message, email: str | None, timezone: str = "UTC") -> dict[str, Any]:
    return {
        "id": row.id,
        "contact_id": row.contact_id,
        "email": email,
        "occasion": row.occasion,
        "occasion_date": iso(row.occasion_date),
        "status": row.status,
        "send_at": local_iso(row.send_at, timezone),
        "expires_at": local_iso(row.expires_at, timezone),
        "subject": row.subject,
        "text": row.text,
        "html": row.html,
        "message_id": row.message_id,
        "reason": row.reason,
        "template": row.template,
        "content_id": row.content_id,
        "note": row.note,
        "attempts": row.attempts,
        "approved_by": row.approved_by,
        "approved_at": iso(row.approved_at),
        "sent_at": iso(row.sent_at),
    }


# The canonical CSV of SPEC.md, written by `nurture contacts export`: the import columns, in order.
CSV_COLUMNS = (
    "email", "first_name", "last_name", "gender", "title", "language", "country", "formality", "birthday",
    "company", "position", "started_on", "timezone", "tier", "topics", "consent", "consent_source",
    "consent_date", "profile_url", "note",
)  # fmt: skip
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """One cell for a spreadsheet: text kept, a formula-like start neutralised by a leading apostrophe.

    A value that already starts with apostrophes before a formula character gets one more, so the
    importer, which drops exactly one such apostrophe, reads every exported value back unchanged.
    """
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    if text.lstrip("'").startswith(FORMULA_START):
        return "'" + text
    return text


def contact_csv_row(view: ContactView) -> list[str]:
    """A contact as one row of the canonical CSV, in the order of CSV_COLUMNS."""
    values: dict[str, object] = {
        "email": view.email,
        "first_name": view.first_name,
        "last_name": view.last_name,
        "gender": view.gender,
        "title": view.title,
        "language": view.language,
        "country": view.country,
        "formality": view.formality,
        "birthday": view.birthday,
        "company": view.company,
        "position": view.position,
        "started_on": view.started_on,
        "timezone": view.timezone,
        "tier": view.tier,
        "topics": ";".join(view.topics),
        "consent": view.consent,
        "consent_source": view.consent_source,
        "consent_date": view.consent_date,
        "profile_url": view.profile_url,
        "note": view.note,
    }
    return [csv_cell(values[name]) for name in CSV_COLUMNS]
