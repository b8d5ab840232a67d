"""The queue names each contact as stored: one with only a last name was listed by its e-mail address."""

from __future__ import annotations

import csv
from pathlib import Path

from nurture.domain.contacts import stored_name

COLUMNS = ["email", "first_name", "last_name", "gender", "language", "country", "birthday", "tier", "consent",
           "consent_source"]  # fmt: skip


def test_stored_name_prefers_any_name_to_the_address() -> None:
    assert stored_name(None, "Weber", "w@example.de", 3) == "Weber"
    assert stored_name("  ", " Weber ", "w@example.de", 3) == "Weber"
    assert stored_name("Anna", None, "a@example.de", 3) == "Anna"
    assert stored_name(None, "", "x@example.de", 3) == "x@example.de"
    assert stored_name(None, None, None, 3) == "contact 3"


def test_the_queue_lists_a_contact_with_only_a_last_name_by_it(nurture, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([COLUMNS, ["w@example.de", "", "Weber", "female", "de", "DE", "--11-23", "A",
                                             "opt_in", "fair"]])  # fmt: skip
    nurture("import", str(path))
    nurture("plan")
    line = nurture("queue").stdout.strip()
    assert "Weber: " in line and "w@example.de" not in line, line
