"""LinkedIn's own connections export, `Connections.csv`.

LinkedIn puts a few "Notes:" lines before the header and, in newer exports, a URL column
(`First Name,Last Name,URL,Email Address,Company,Position,Connected On`). Most e-mail cells
are empty because LinkedIn only shares the address when the connection allows it; those
connections become contacts that cannot be mailed, found again by their profile URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from nurture.adapters.importers.records import ImportedContact, ImportNotice, Item, ReadProgress, RowProblem
from nurture.adapters.importers.rows import Duplicates, build_contact, shifted_row
from nurture.adapters.importers.textio import csv_records

HEADER = {
    "first name": "first_name",
    "last name": "last_name",
    "url": "profile_url",
    "profile url": "profile_url",
    "email address": "email",
    "e-mail address": "email",
    "company": "company",
    "position": "position",
    "connected on": "connected_on",
}
PREAMBLE_LIMIT = 50


def read_linkedin_csv(path: Path, progress: ReadProgress) -> Iterator[Item]:
    label = str(path)
    header: list[str | None] | None = None
    names: dict[str, str] = {}
    duplicates = Duplicates()
    without_email = 0
    seen_records = 0
    for record in csv_records(path, progress):
        if isinstance(record, RowProblem | ImportNotice):
            if header is not None or isinstance(record, ImportNotice):
                yield record
            continue
        start, end, cells = record
        if header is None:
            seen_records += 1
            keys = [HEADER.get(c.replace("\ufeff", "").strip().lower()) for c in cells]
            if "first_name" in keys and "last_name" in keys:
                header = keys
                names = {k: cells[i].strip() for i, k in enumerate(keys) if k}
            elif seen_records > PREAMBLE_LIMIT:
                break
            continue
        if not any(c.strip() for c in cells):
            continue
        shifted = shifted_row(start, cells, header, label)
        if shifted is not None:
            yield shifted
            continue
        row = {key: cell for key, cell in zip(header, cells, strict=False) if key}
        item = build_contact(start, row, label, require_email=False, column_names=names)
        if isinstance(item, RowProblem) and end > start:
            # A quote left open swallows the lines after it into one record: say so, or they seem lost.
            item = RowProblem(start, f"{item.message} (this record runs from line {start} to line {end}; "
                                     "check for a quote that is not closed)", label)  # fmt: skip
        if isinstance(item, ImportedContact):
            item = duplicates.check(item, label) or item
            if isinstance(item, ImportedContact) and item.email is None:
                without_email += 1
        yield item
    if header is None:
        yield RowProblem(
            1,
            "no LinkedIn header found; the file must contain the line "
            "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
            label,
            whole_file=True,
        )
    elif without_email:
        yield ImportNotice(
            0,
            f"{without_email} connection(s) have no e-mail address (LinkedIn shares it only when they allow it); "
            "they were kept as contacts that cannot be mailed until you add an address",
            label,
        )
