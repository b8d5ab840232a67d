"""Turning one row of named cells into a contact, or into a problem that names every bad cell.

Shared by the CSV readers. A row is accepted whole or rejected whole: importing half a row
would silently lose the rest, and the user fixes the file and imports it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nurture.adapters.importers import values as v
from nurture.adapters.importers.records import ImportedContact, RowProblem
from nurture.domain.email_address import InvalidEmail, normalise_email

TEXT_FIELDS = ("first_name", "last_name", "title", "company", "position", "consent_source", "profile_url")
PARSERS: dict[str, Callable[[str], Any]] = {
    "gender": v.parse_gender,
    "language": v.parse_language,
    "country": v.parse_country,
    "formality": v.parse_formality,
    "started_on": v.parse_date,
    "timezone": v.parse_timezone,
    "tier": v.parse_tier,
    "topics": v.parse_topics,
    "consent": v.parse_consent,
    "consent_date": v.parse_date,
    "connected_on": v.parse_text_date,
}


def build_contact(
    row: int,
    cells: Mapping[str, str],
    label: str,
    *,
    require_email: bool = True,
    column_names: Mapping[str, str] | None = None,
) -> ImportedContact | RowProblem:
    """The contact in `cells` (field name → raw text), or a RowProblem listing what is wrong."""
    names = column_names or {}
    errors: list[str] = []
    out: dict[str, Any] = {}

    def problem(field: str, message: str) -> None:
        sep = " " if message.startswith("is ") else ": "
        errors.append(f'column "{names.get(field, field)}"{sep}{message}')

    raw_email = (cells.get("email") or "").strip()
    email: str | None = None
    if raw_email:
        try:
            email = normalise_email(raw_email)
        except InvalidEmail as exc:
            problem("email", f"{exc}")
    elif require_email:
        problem("email", "is empty; every row needs an e-mail address like name@example.com")

    for field in TEXT_FIELDS:
        if field in cells:
            try:
                out[field] = v.limited(field, v.clean_text(cells[field]))
            except v.ValueProblem as exc:
                problem(field, str(exc))
    if "note" in cells:
        try:
            out["note"] = v.limited("note", v.clean_text(cells["note"], multiline=True))
        except v.ValueProblem as exc:
            problem("note", str(exc))
    for field, parse in PARSERS.items():
        text = (cells.get(field) or "").strip()
        if text:
            try:
                out[field] = parse(text)
            except v.ValueProblem as exc:
                problem(field, str(exc))
    birthday = (cells.get("birthday") or "").strip()
    if birthday:
        try:
            out["birthday"], out["birthday_has_year"] = v.parse_birthday(birthday)
        except v.ValueProblem as exc:
            problem("birthday", str(exc))
    if "topics" in out and not out["topics"]:
        del out["topics"]
    if not errors and email is None and not (out.get("first_name") or out.get("last_name") or out.get("profile_url")):
        errors.append("the row has no e-mail address, no name and no profile URL; there is nothing to import")
    if errors:
        return RowProblem(row, "; ".join(errors), label)
    return ImportedContact(row=row, email=email, **out)


class Duplicates:
    """Remembers the rows seen by e-mail (or profile URL for contacts without one) within one file."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def check(self, contact: ImportedContact, label: str, unit: str = "row") -> RowProblem | None:
        key = f"e:{contact.email}" if contact.email else (f"u:{contact.profile_url}" if contact.profile_url else "")
        if not key:
            return None
        first = self._seen.get(key)
        if first is not None:
            what = f"e-mail address {contact.email}" if contact.email else f"profile URL {contact.profile_url}"
            return RowProblem(
                contact.row,
                f"duplicate of {unit} {first} (same {what}); keep one of them and merge what differs",
                label,
            )
        self._seen[key] = contact.row
        return None
