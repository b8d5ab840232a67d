"""A changed e-mail address must not create a silent duplicate that is mailed twice.

Re-importing the CSV with Stefan Hoffmann's address changed printed "2 created" without a word,
and both records got content drops; there was no way to give a contact a new address. Now the
import (and its dry run, before anything happens) names the possible duplicate and what to do,
and `contacts edit ID --email NEW` moves a contact to its new address.
"""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import SAMPLE

OLD = "stefan.hoffmann@example.de"
NEW = "stefan.h@hoffmann-druck.example.de"
STEFAN_LINE = 7  # the header is line 1, Stefan is the sixth contact


def with_new_address(tmp_path: Path, new: str = NEW, name: str = "Stefan,Hoffmann",
                     company: str = "Hoffmann Druck GmbH") -> Path:  # fmt: skip
    text = SAMPLE.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith(OLD + ","))
    changed = line.replace(OLD, new).replace("Stefan,Hoffmann", name).replace("Hoffmann Druck GmbH", company)
    path = tmp_path / "moved.csv"
    path.write_text(text.replace(line, changed), encoding="utf-8")
    return path


def contact_id(nurture, email: str) -> int:
    return int(nurture.json("contacts", "show", email)["id"])


def test_a_dry_run_names_the_possible_duplicate_and_how_to_avoid_it(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    old_id = contact_id(nurture, OLD)
    path = with_new_address(tmp_path)

    dry = nurture("import", str(path), "--dry-run")
    assert "would have 1 created" in dry.stdout and "1 possible duplicate(s)" in dry.stdout, dry.stdout
    warning = next(line for line in dry.stderr.splitlines() if "possible duplicate" in line)
    assert warning.startswith(f"{path}:{STEFAN_LINE}: possible duplicate: Stefan Hoffmann <{NEW}>"), warning
    assert f"contact {old_id} Stefan Hoffmann <{OLD}>" in warning, warning
    assert f"nurture contacts edit {old_id} --email {NEW}" in warning, warning
    assert "this dry run changed nothing" in warning, warning

    data = nurture.json("import", str(path), "--dry-run")
    assert data["created"] == 1  # the existing keys are as they were
    [dup] = data["possible_duplicates"]
    assert dup["row"] == STEFAN_LINE and dup["email"] == NEW and dup["contact_id"] is None
    assert dup["existing_id"] == old_id and dup["existing_email"] == OLD
    assert f"--email {NEW}" in dup["advice"]
    assert len(nurture.json("contacts", "list")) == 30  # nothing happened


def test_following_the_advice_moves_the_contact_and_the_import_then_updates_it(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    old_id = contact_id(nurture, OLD)
    path = with_new_address(tmp_path)

    edited = nurture("contacts", "edit", str(old_id), "--email", NEW)
    assert f"{OLD} → {NEW}" in edited.stdout, edited.stdout
    data = nurture.json("import", str(path))
    assert (data["created"], data["possible_duplicates"]) == (0, [])
    assert contact_id(nurture, NEW) == old_id
    assert len(nurture.json("contacts", "list")) == 30
    assert nurture("contacts", "show", OLD, ok=False).exit_code == 1


def test_after_the_fact_the_warning_says_how_to_stop_mail_to_the_old_record(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    old_id = contact_id(nurture, OLD)
    path = with_new_address(tmp_path)

    result = nurture("import", str(path))
    assert result.stdout.startswith("1 created") and "1 possible duplicate(s)" in result.stdout, result.stdout
    new_id = contact_id(nurture, NEW)
    warning = next(line for line in result.stderr.splitlines() if "possible duplicate" in line)
    assert f"was created as contact {new_id}, but contact {old_id} Stefan Hoffmann <{OLD}>" in warning, warning
    assert "both records are now mailed" in warning
    command = f"nurture contacts edit {old_id} --consent none --consent-source 'same person as contact {new_id}'"
    assert command in warning, warning
    assert f"nurture contacts edit {old_id} --email" not in warning  # the new address is taken now

    # Moving the old record to the address is refused plainly, pointing to the same way out.
    refused = nurture("contacts", "edit", str(old_id), "--email", NEW, ok=False)
    assert refused.exit_code == 1
    assert f"already the address of contact {new_id}" in refused.stderr and "nothing was changed" in refused.stderr
    assert nurture.json("contacts", "show", str(old_id))["email"] == OLD

    # Doing what the warning says: nothing is planned for the old record, the new one is written to.
    nurture("contacts", "edit", str(old_id), "--consent", "none", "--consent-source", f"same person as contact {new_id}")
    for day in ("2026-11-23T07:00:00+01:00", "2026-12-20T07:00:00+01:00", "2027-02-10T07:00:00+01:00"):
        nurture("plan", "--horizon", "60d", now=day)
    queue = nurture.json("queue", "--status", "all")
    assert not [m for m in queue if m["contact_id"] == old_id], queue
    assert [m for m in queue if m["contact_id"] == new_id], "the new record is still written to"


def test_a_name_written_differently_or_a_missing_company_is_still_reported(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    path = with_new_address(tmp_path, name="STEFAN,  hoffmann ", company="")
    [dup] = nurture.json("import", str(path), "--dry-run")["possible_duplicates"]
    assert dup["existing_email"] == OLD


def test_the_same_name_at_another_company_is_someone_else(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    path = with_new_address(tmp_path, company="Druckerei Nord AG")
    result = nurture("import", str(path))
    assert "possible duplicate" not in result.stdout + result.stderr
    assert json.loads(nurture("import", str(path), "--json").stdout)["possible_duplicates"] == []


def test_new_contacts_of_the_same_file_and_first_imports_are_not_reported(nurture, tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("email,first_name,last_name,company\n"
                    "kim@a.example,Kim,Roth,Roth AG\nkim@b.example,Kim,Roth,Roth AG\n", encoding="utf-8")  # fmt: skip
    assert nurture.json("import", str(path))["possible_duplicates"] == []
    assert nurture.json("import", str(SAMPLE))["possible_duplicates"] == []


def test_an_unsubscribed_old_record_makes_the_warning_say_to_unsubscribe_the_new_one(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    nurture("unsubscribe", OLD)
    [dup] = nurture.json("import", str(with_new_address(tmp_path)))["possible_duplicates"]
    assert dup["existing_unsubscribed"] is True
    assert f"nurture unsubscribe {NEW}" in dup["advice"], dup["advice"]


def test_edit_email_is_normalised_like_an_import_and_re_addresses_open_messages(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    anna = "anna.mueller@example.de"
    anna_id = contact_id(nurture, anna)
    before = [m for m in nurture.json("queue", "--status", "all") if m["contact_id"] == anna_id]
    assert before

    data = nurture.json("contacts", "edit", anna, "--email", "  Anna.Mueller@Nordlicht.EXAMPLE  ")
    assert data["email"] == "anna.mueller@nordlicht.example" and data["previous_email"] == anna
    after = [m for m in nurture.json("queue", "--status", "all") if m["contact_id"] == anna_id]
    assert {m["id"] for m in after} == {m["id"] for m in before}
    assert {m["email"] for m in after} == {"anna.mueller@nordlicht.example"}
    shown = nurture("show", str(after[0]["id"])).stdout
    assert "To: " in shown and "anna.mueller@nordlicht.example" in shown


def test_edit_email_refuses_bad_and_empty_addresses(nurture) -> None:
    nurture("import", str(SAMPLE))
    for bad, said in (("not an address", "--email"), ("", "--email is empty")):
        result = nurture("contacts", "edit", OLD, "--email", bad, ok=False)
        assert result.exit_code == 1 and said in result.stderr, result.stderr
    assert nurture.json("contacts", "show", OLD)["email"] == OLD


def test_edit_email_clears_the_old_address_bounce_and_its_built_mail(nurture, db_url: str) -> None:
    """A bounce and the stored bytes (To: header) belong to the old address; an opt-out would stay."""
    from sqlalchemy import create_engine, text

    nurture("import", str(SAMPLE))
    nurture("plan")
    anna = "anna.mueller@example.de"
    anna_id = contact_id(nurture, anna)
    msg_id = next(m["id"] for m in nurture.json("queue", "--status", "all") if m["contact_id"] == anna_id)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE contacts SET bounced = :t WHERE id = :id"), {"t": True, "id": anna_id})
        conn.execute(text("UPDATE messages SET raw = :raw WHERE id = :id"), {"raw": b"To: " + anna.encode(), "id": msg_id})

    data = nurture.json("contacts", "edit", str(anna_id), "--email", "anna@nordlicht.example")
    assert data["bounce_cleared"] is True and data["bounced"] is False, data
    with engine.connect() as conn:
        assert conn.execute(text("SELECT raw FROM messages WHERE id = :id"), {"id": msg_id}).scalar() is None
    engine.dispose()
