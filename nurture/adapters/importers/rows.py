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
    if "language" in out and not (cells.get("country") or "").strip():
        # "de-AT" in the language column with no country: the region is the country (ADDRESSING.md
        # §3/§4/E2 depend on it); left out, the import default (DE) would apply instead.
        region = v.language_region(cells["language"])
        if region:
            out["country"] = region
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


def shifted_row(line: int, cells: list[str], header: list[str | None], label: str) -> RowProblem | None:
    """A row with more cells than the header names: an unquoted comma shifted them, no value can be trusted."""
    if len(cells) <= len(header):
        return None
    return RowProblem(line, f"the row has {len(cells)} cells but the header names {len(header)} columns; "
                            "a value containing a comma must be in double quotes", label)  # fmt: skip


class Duplicates:
    """Remembers the rows seen by e-mail and by profile URL within one file.

    Both identify a person: the database importer finds a contact by either, so two rows that
    share one of them would write the same contact twice, the later row silently overwriting
    the earlier one (and a second import of the file swapping them back).
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def check(self, contact: ImportedContact, label: str, unit: str = "row") -> RowProblem | None:
        keys: list[tuple[str, str]] = []
        if contact.email:
            keys.append((f"e:{contact.email}", f"e-mail address {contact.email}"))
        if contact.profile_url:
            keys.append((f"u:{contact.profile_url}", f"profile URL {contact.profile_url}"))
        if not keys and (contact.first_name or contact.last_name):
            # Without address or URL a contact is found by name and company (see the database importer).
            name = " ".join(n for n in (contact.first_name, contact.last_name) if n)
            company = f" at {contact.company}" if contact.company else ""
            keys.append((f"n:{contact.first_name}|{contact.last_name}|{contact.company}", f"name {name}{company}"))
        for key, what in keys:
            first = self._seen.get(key)
            if first is not None:
                fix = "keep one of them and merge what differs"
                if key.startswith("n:"):
                    fix = "if they are two people, add an e-mail address or profile URL to each; else " + fix
                return RowProblem(contact.row, f"duplicate of {unit} {first} (same {what}); {fix}", label)
        for key, _ in keys:
            self._seen[key] = contact.row
        return None
