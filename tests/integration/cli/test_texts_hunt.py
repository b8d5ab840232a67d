"""What the command line says, read as a marketer reads it: true for a dry run, grammatical, readable.

Each case runs the real `nurture` command over a fresh database and the shipped config.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nurture.domain.contacts import ContactView

from .conftest import SAMPLE, Nurture

ANNA = "anna.mueller@example.de"


def changed_jobs(tmp_path: Path) -> Path:
    """The sample file with two contacts in a new company or position: two job changes on import."""
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("Nordlicht Logistik GmbH", "Südwind Handel AG")
    text = text.replace("Professor für Wirtschaftsinformatik", "Dekan der Fakultät Informatik")
    path = tmp_path / "changed.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_dry_run_import_says_job_changes_would_be_recorded(nurture, tmp_path: Path) -> None:
    """It said "dry run, nothing changed: … 2 job change(s) recorded", though nothing was recorded."""
    nurture("import", str(SAMPLE))
    path = changed_jobs(tmp_path)
    dry = nurture("import", str(path), "--dry-run").stdout
    assert dry.startswith("dry run, nothing changed: "), dry
    assert "2 job change(s) would be recorded" in dry, dry
    assert not re.search(r"job change\(s\) recorded", dry), dry
    real = nurture("import", str(path)).stdout
    assert "2 job change(s) recorded" in real and "would" not in real, real


def test_a_dry_run_with_rejected_rows_does_not_claim_good_rows_are_in(nurture, tmp_path: Path) -> None:
    path = tmp_path / "one_bad.csv"
    path.write_text("email,first_name\nnot-an-address,Anna\nanna@example.de,Anna\n", encoding="utf-8")
    result = nurture("import", str(path), "--dry-run", ok=False)
    assert result.exit_code == 1
    assert "good rows are in" not in result.stderr and "dry run" in result.stderr, result.stderr
    assert nurture.json("contacts", "list") == []


def test_approving_for_a_contact_without_legal_basis_reads_as_a_sentence(nurture) -> None:
    """It said "cannot be approved: the contact's no legal basis for e-mail (consent is none)"."""
    nurture("import", str(SAMPLE))
    nurture("plan")
    msg = next(m for m in nurture.json("queue", "--status", "all") if m["email"] == ANNA)
    nurture("contacts", "edit", ANNA, "--consent", "none")
    refused = nurture("approve", str(msg["id"]), ok=False)
    assert refused.exit_code == 1
    assert (f"message {msg['id']} cannot be approved: the contact has no legal basis for e-mail (consent is none)"
            in refused.stderr), refused.stderr  # fmt: skip
    assert "the contact's no" not in refused.output


def test_a_message_not_sent_for_a_blocked_contact_says_why_in_a_sentence(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    msg = next(m for m in nurture.json("queue", "--status", "all")
               if m["email"] == ANNA and m["occasion"] == "birthday")  # fmt: skip
    nurture("approve", str(msg["id"]))
    nurture("contacts", "edit", ANNA, "--consent", "none")
    nurture("send", now="2026-11-23T09:00:00+01:00")
    shown = nurture.json("show", str(msg["id"]))
    assert shown["status"] == "failed", shown
    assert shown["reason"] == "not sent: the contact has no legal basis for e-mail (consent is none)", shown


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"email": None}, "the contact has no e-mail address"),
        ({"unsubscribed": True}, "the contact has unsubscribed"),
        ({"bounced": True}, "the contact's address bounced"),
        ({"consent": "none"}, "the contact has no legal basis for e-mail (consent is none)"),
        ({}, None),
    ],
)
def test_every_blocked_reason_is_a_whole_clause(changes: dict, reason: str | None) -> None:
    """Each reason follows "cannot be approved: " and "not sent: " as it is, so it carries its subject."""
    fields = {name: None for name in ContactView.__dataclass_fields__}
    fields.update(id=1, email="anna@example.de", unsubscribed=False, bounced=False, consent="opt_in")
    fields.update(changes)
    view = ContactView(**fields)
    assert view.blocked_reason() == reason


def test_status_shows_local_times_with_offset_and_a_readable_summary(nurture) -> None:
    """It showed "last plan 2027-02-16T07:00:00" (UTC, no offset) and a Python dict."""
    nurture("import", str(SAMPLE))
    nurture("plan", now="2026-11-23T07:00:00+00:00")
    text = nurture("status").stdout
    plan_line = next(line for line in text.splitlines() if line.startswith("last plan"))
    # 07:00 UTC is 08:00 in the config's [general] timezone (Europe/Berlin, winter time).
    assert "2026-11-23T08:00:" in plan_line and "+01:00" in plan_line, plan_line
    assert "{" not in text and "'" not in text, text
    assert re.search(r"contacts_checked \d+, planned \d+", plan_line), plan_line
    data = nurture.json("status")
    assert set(data) == {"runs", "queue"}
    assert set(data["runs"]["plan"]) >= {"started_at", "finished_at", "worker", "counts", "error"}
    assert isinstance(data["runs"]["plan"]["counts"], dict) and "contacts_checked" in data["runs"]["plan"]["counts"]


def test_without_an_unsubscribe_link_the_footer_still_says_how_to_opt_out(nurture) -> None:
    """With [sender] unsubscribe_url = "" the footer had no opt-out sentence at all."""
    plain = Nurture({**nurture.env, "NURTURE_SENDER__UNSUBSCRIBE_URL": ""}, nurture.now)
    plain("import", str(SAMPLE))
    plain("plan")
    queued = plain.json("queue", "--status", "all")
    anna = next(m for m in queued if m["email"] == ANNA and m["occasion"] == "birthday")
    shown = plain.json("show", str(anna["id"]))
    assert "/u/" not in shown["text"]
    assert "antworten Sie einfach mit „abmelden“" in shown["text"], shown["text"]
    assert "antworten Sie einfach mit „abmelden“" in shown["html"], shown["html"]
