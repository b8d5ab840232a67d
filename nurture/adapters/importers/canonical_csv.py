"""The canonical contact CSV of SPEC.md: a header row naming the columns, in any order.

Unknown columns are reported once and ignored; only `email` is required (a row may leave it
empty when it names a `profile_url`, as `contacts export` writes a LinkedIn connection). Commas separate the
cells; a file whose header reads better split by semicolons, tabs or vertical bars (German
Excel, Excel's "Unicode Text") is read that way, with a notice. Every record is
reported by the physical line it starts on, so `contacts.csv:17` points at the right place
even when a quoted note spans several lines. A spreadsheet's text marker (the apostrophe in
`'=SUM(A1)`) is dropped, so a file written by `contacts export` reads back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from nurture.adapters.importers.records import ImportNotice, Item, ReadProgress, RowProblem
from nurture.adapters.importers.rows import Duplicates, build_contact, shifted_row
from nurture.adapters.importers.textio import csv_records
from nurture.adapters.importers.values import drop_text_marker

COLUMNS = (
    "email", "first_name", "last_name", "gender", "title", "language", "country", "formality", "birthday",
    "company", "position", "started_on", "timezone", "tier", "topics", "consent", "consent_source",
    "consent_date", "profile_url", "note",
)  # fmt: skip
ALIASES = {"e_mail": "email", "email_address": "email", "e_mail_address": "email", "mail": "email"}


def column_key(header: str) -> str:
    """A header cell as a column name: case, spaces and hyphens do not matter."""
    key = re.sub(r"[\s\-]+", "_", header.replace("\ufeff", "").strip().lower())
    return ALIASES.get(key, key)


def read_canonical_csv(path: Path, progress: ReadProgress) -> Iterator[Item]:
    label = str(path)
    header: list[str | None] | None = None
    names: dict[str, str] = {}
    duplicates = Duplicates()
    for record in csv_records(path, progress, header_score=_known_columns):
        if isinstance(record, RowProblem | ImportNotice):
            yield record
            continue
        start, end, cells = record
        if header is None:
            if not any(c.strip() for c in cells):
                continue
            header, problem, notices = _header(start, cells, label)
            yield from notices
            if problem is not None:
                yield problem
                return
            names = {key: cells[i].strip() for i, key in enumerate(header) if key}
            continue
        if not any(c.strip() for c in cells):
            continue
        shifted = shifted_row(start, cells, header, label)
        if shifted is not None:
            yield shifted
            continue
        row = {key: drop_text_marker(cell) for key, cell in zip(header, cells, strict=False) if key}
        # A contact known only by its profile (from LinkedIn or a phone, written out by `contacts
        # export` with an empty e-mail cell) is found again by its URL, as the LinkedIn import finds it.
        by_url = bool((row.get("profile_url") or "").strip())
        item = build_contact(start, row, label, require_email=not by_url, column_names=names)
        if isinstance(item, RowProblem):
            if end > start:
                item = RowProblem(
                    start,
                    f"{item.message} (this record runs from line {start} to line {end}; "
                    "check for a quote that is not closed)",
                    label,
                )
            yield item
            continue
        duplicate = duplicates.check(item, label)
        yield duplicate or item
    if header is None:
        yield RowProblem(1, "the file has no header row; the first line must name the columns, "
                            "e.g. email,first_name,last_name", label, whole_file=True)  # fmt: skip


def _known_columns(cells: list[str]) -> int:
    """How many known columns a header line names; picks the delimiter that splits it best."""
    return len({column_key(cell) for cell in cells} & set(COLUMNS))


def _header(
    line: int, cells: list[str], label: str
) -> tuple[list[str | None], RowProblem | None, list[ImportNotice]]:
    keys: list[str | None] = []
    unknown: list[str] = []
    repeated: list[str] = []
    for cell in cells:
        key = column_key(cell)
        if key not in COLUMNS:
            if cell.strip():
                unknown.append(cell.strip())
            keys.append(None)
        elif key in keys:
            repeated.append(cell.strip())
            keys.append(None)
        else:
            keys.append(key)
    notices: list[ImportNotice] = []
    if unknown:
        shown = ", ".join(f'"{u[:40]}"' for u in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        notices.append(ImportNotice(line, f"unknown columns ignored: {shown}; known columns are "
                                          f"{', '.join(COLUMNS)}", label))  # fmt: skip
    if repeated:
        notices.append(ImportNotice(line, f"columns named twice, the later ones ignored: {', '.join(repeated)}", label))
    if "email" not in keys:
        return keys, RowProblem(line, 'the header has no "email" column; ' + _header_hint(cells), label,
                                whole_file=True), notices  # fmt: skip
    return keys, None, notices


# Where other programs' exports keep the address: Google Contacts, Outlook, XING and others.
_ADDRESS_COLUMN = re.compile(r"e-?mail|mail\s*address|e-mail-adresse", re.IGNORECASE)


def _header_hint(cells: list[str]) -> str:
    """How to fix a header without "email": name the export's own address column when it has one."""
    named = [c.strip() for c in cells if _ADDRESS_COLUMN.search(c)]
    # Google writes "E-mail 1 - Type" (Home, Work) before "E-mail 1 - Value" (the address).
    found = next((c for c in named if not re.search(r"type|label|typ\b", c, re.IGNORECASE)), None)
    if found is None:
        return "the first line must name the columns, e.g. email,first_name,last_name"
    return (f'this looks like another program\'s export (its addresses are in "{found[:40]}"): rename that column '
            "to email (and the name columns to first_name and last_name), or export the contacts as vCard (.vcf), "
            "which nurture reads as it is")
