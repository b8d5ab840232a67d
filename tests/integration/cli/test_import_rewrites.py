"""An import that changes a contact writes its open messages again, as `contacts edit` does.

A re-import (a fresh XING export, a corrected CSV) changed gender, title, formality or language
of a contact, but its pending and approved messages kept the old words: an approved "Sehr
geehrte Frau Weber," went out to Dr. Kim Weber, who is a man, and a message waiting in review
for a placeholder name stayed there after the name was fixed.
"""

from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = ["email", "first_name", "last_name", "gender", "title", "language", "country", "formality", "birthday",
           "tier", "topics", "consent", "consent_source"]  # fmt: skip


def write(path: Path, *rows: list[str]) -> str:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([COLUMNS, *rows])
    return str(path)


def message_of(nurture, email: str) -> dict:
    found = [m for m in nurture.json("queue", "--status", "all") if m["email"] == email]
    assert len(found) == 1, found
    return nurture.json("show", str(found[0]["id"]))


def test_a_reimport_writes_approved_and_pending_messages_again(nurture, outbox, tmp_path: Path) -> None:
    kim = ["kim@example.de", "Kim", "Weber", "", "", "de", "DE", "formal", "--11-24", "A", "sales", "opt_in", "fair"]
    lee = ["lee@example.com", "Jordan", "Lee", "", "", "en", "GB", "formal", "--11-24", "A", "sales", "opt_in", "fair"]
    nurture("import", write(tmp_path / "first.csv", kim, lee))
    nurture("plan")
    first = message_of(nurture, "kim@example.de")
    assert first["status"] == "pending" and "Guten Tag, Kim Weber," in first["text"]
    nurture("approve", str(first["id"]))
    kim_now = kim[:3] + ["male", "Dr.", "de", "DE", "informal"] + kim[8:]
    lee_now = lee[:5] + ["de", "CH", "formal"] + lee[8:]
    told = nurture("import", write(tmp_path / "again.csv", kim_now, lee_now))
    assert "0 created, 2 updated" in told.stdout
    assert "1 open message(s) of updated contacts written again, now pending" in told.stdout
    again = message_of(nurture, "kim@example.de")
    assert again["id"] == first["id"] and again["status"] == "pending"  # what was approved is not what would go
    assert "Lieber Kim," in again["text"] and "Guten Tag" not in again["text"]
    swiss = message_of(nurture, "lee@example.com")
    assert "Guten Tag, Jordan Lee," in swiss["text"] and "Dear" not in swiss["text"]
    # Nothing went out with the old words: the send run finds nothing approved.
    sent = nurture("send")
    assert not list(outbox[0].glob("*.eml")), sent.stdout


def test_a_reimport_that_fixes_a_name_frees_the_message_waiting_in_review(nurture, tmp_path: Path) -> None:
    test = ["vogel@example.de", "Test", "Vogel", "female", "", "de", "DE", "formal", "--11-24", "A", "sales",
            "opt_in", "fair"]  # fmt: skip
    nurture("import", write(tmp_path / "first.csv", test), ok=False)  # a placeholder name is imported, for review
    nurture("plan")
    waiting = message_of(nurture, "vogel@example.de")
    assert waiting["status"] == "review"
    fixed = ["vogel@example.de", "Tina"] + test[2:]
    told = nurture("import", write(tmp_path / "fixed.csv", fixed))
    assert "now pending" in told.stdout
    freed = message_of(nurture, "vogel@example.de")
    assert freed["status"] == "pending" and "Sehr geehrte Frau Vogel," in freed["text"]


def test_a_dry_run_import_writes_no_message_again(nurture, tmp_path: Path) -> None:
    row = ["dry@example.de", "Kim", "Weber", "", "", "de", "DE", "formal", "--11-24", "A", "sales", "opt_in", "fair"]
    nurture("import", write(tmp_path / "first.csv", row))
    nurture("plan")
    before = message_of(nurture, "dry@example.de")
    changed = row[:3] + ["female"] + row[4:]
    told = nurture("import", "--dry-run", write(tmp_path / "again.csv", changed))
    assert "would have 0 created, 1 updated" in told.stdout and "written again" not in told.stdout
    assert message_of(nurture, "dry@example.de")["text"] == before["text"]
