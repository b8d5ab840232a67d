"""The whole path a marketer takes, through the real CLI: import, review, plan, approve, send."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

from .conftest import SAMPLE


def messages_for(nurture, email: str, status: str = "all") -> list[dict]:
    return [m for m in nurture.json("queue", "--status", status) if m["email"] == email]


def test_init_is_idempotent(nurture) -> None:
    result = nurture("init")
    assert "schema revision" in result.output


def test_import_reports_counts_and_flags_review(nurture) -> None:
    data = nurture.json("import", str(SAMPLE))
    assert data["created"] == 30 and data["rejected"] == 0
    again = nurture.json("import", str(SAMPLE))
    assert again["created"] == 0 and again["unchanged"] == 30
    review = {c["email"] for c in nurture.json("contacts", "list", "--review")}
    assert {"test.test@example.de", "max.mustermann@example.de", "info@mueller-gmbh.example.de"} <= review
    assert "anna.mueller@example.de" not in review


def test_contact_json_carries_salutation(nurture) -> None:
    nurture("import", str(SAMPLE))
    anna = nurture.json("contacts", "show", "anna.mueller@example.de")
    assert anna["salutation"] == "Sehr geehrte Frau Dr. Müller,"
    assert anna["review_reason"] is None
    assert anna["events"] == [] and anna["planned"] == []
    test = nurture.json("contacts", "show", "test.test@example.de")
    assert test["salutation"] is None and test["review_reason"]


def test_plan_is_idempotent_and_respects_consent(nurture) -> None:
    nurture("import", str(SAMPLE))
    first = nurture.json("plan")
    assert first["planned"] > 0
    second = nurture.json("plan")
    assert second["planned"] == 0
    queued = nurture.json("queue", "--status", "all")
    emails = {m["email"] for m in queued}
    assert "frank.zimmermann@example.de" not in emails  # consent none: nothing, ever
    birthdays = [m for m in queued if m["email"] == "anna.mueller@example.de" and m["occasion"] == "birthday"]
    assert len(birthdays) == 1
    assert birthdays[0]["status"] == "pending"
    assert birthdays[0]["send_at"].startswith("2026-11-23T08:30") and birthdays[0]["send_at"].endswith(
        "+01:00"
    )
    assert birthdays[0]["text"].startswith("Sehr geehrte Frau Dr. Müller,")


def test_approve_send_once_and_record(nurture, outbox) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    msg = next(m for m in messages_for(nurture, "anna.mueller@example.de") if m["occasion"] == "birthday")
    nurture("approve", str(msg["id"]), "--as", "jana")
    approved = nurture.json("show", str(msg["id"]))
    assert approved["status"] == "approved" and approved["message_id"]
    dry = nurture("send", "--dry-run", now="2026-11-23T09:00:00+01:00")
    assert f"would send {msg['id']}" in dry.stdout
    sent = nurture.json("send", now="2026-11-23T09:00:00+01:00")
    assert sent["sent"] == 1
    again = nurture.json("send", now="2026-11-23T09:05:00+01:00")
    assert again["sent"] == 0
    files = list(outbox[0].glob("*.eml"))
    assert len(files) == 1
    mail = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert mail["To"].addresses[0].addr_spec == "anna.mueller@example.de"
    assert mail["Message-ID"] == approved["message_id"]
    assert "List-Unsubscribe" in mail and mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Sehr geehrte Frau Dr. Müller," in mail.get_body(("plain",)).get_content()
    final = nurture.json("show", str(msg["id"]))
    assert final["status"] == "sent"
    status = nurture.json("status")
    assert status["queue"]["sent"] == 1 and "send" in status["runs"]


def test_review_contact_fixed_moves_messages_to_pending(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("contacts", "edit", "elena.koch@example.de", "--tier", "A")
    nurture("plan")
    review = [m for m in nurture.json("queue", "--status", "review")]
    # Elena Koch has no gender: the neutral full-name form works, so she is not in review.
    assert all(m["email"] != "elena.koch@example.de" for m in review)
    nurture(
        "contacts", "edit", "max.mustermann@example.de", "--first-name", "Maximilian", "--last-name", "Berger"
    )
    fixed = nurture.json("contacts", "show", "max.mustermann@example.de")
    assert fixed["salutation"] == "Sehr geehrter Herr Berger,"


def test_an_edit_too_long_for_its_field_is_refused_with_the_limit(nurture) -> None:
    """On PostgreSQL a 101-character title used to fail the write with a database error."""
    nurture("import", str(SAMPLE))
    before = nurture.json("contacts", "show", "max.mustermann@example.de")
    result = nurture("contacts", "edit", "max.mustermann@example.de", "--title", "Dr. " + "x" * 200, ok=False)
    assert result.exit_code != 0
    assert "--title is 204 characters long; at most 100 fit" in result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert nurture.json("contacts", "show", "max.mustermann@example.de")["title"] == before["title"]


def test_approving_a_review_message_is_refused(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("contacts", "edit", "test.test@example.de", "--birthday", "1980-11-23")
    nurture("plan")
    review = [m for m in nurture.json("queue", "--status", "review") if m["email"] == "test.test@example.de"]
    assert review, "the placeholder contact's birthday greeting waits in review"
    result = nurture("approve", str(review[0]["id"]), ok=False)
    assert result.exit_code == 1
    assert "review" in result.output + result.stderr
    nurture("contacts", "edit", "test.test@example.de", "--first-name", "Tobias", "--last-name", "Brandt")
    moved = nurture.json("show", str(review[0]["id"]))
    assert moved["status"] == "pending"
    assert moved["text"].startswith("Sehr geehrter Herr Brandt,")


def test_reject_and_unsubscribe(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    pending = nurture.json("queue")
    first = pending[0]
    nurture("reject", str(first["id"]), "--reason", "not now")
    assert nurture.json("show", str(first["id"]))["status"] == "rejected"
    assert nurture("reject", str(first["id"]), "--reason", "again", ok=False).exit_code == 1
    nurture("plan")
    assert nurture.json("show", str(first["id"]))["status"] == "rejected"
    nurture("unsubscribe", "ANNA.MUELLER@example.de")
    anna = nurture.json("contacts", "show", "anna.mueller@example.de")
    assert anna["unsubscribed"] is True
    assert all(m["status"] == "rejected" for m in anna["planned"])


def test_check_text_exit_codes(nurture, tmp_path: Path) -> None:
    clean = tmp_path / "clean.txt"
    clean.write_text("Herzlichen Glückwunsch zur neuen Aufgabe!\n", encoding="utf-8")
    assert nurture("check-text", "--language", "de", str(clean)).exit_code == 0
    offer = tmp_path / "offer.txt"
    offer.write_text("Hallo,\njetzt kaufen: nur 1.990 EUR!\n", encoding="utf-8")
    result = nurture("check-text", "--language", "de", str(offer), ok=False)
    assert result.exit_code == 3
    assert "2:" in result.stdout


def test_check_passes_on_shipped_files(nurture) -> None:
    result = nurture("check")
    assert result.exit_code == 0, result.output


def test_bad_config_value_names_file_and_line(nurture, tmp_path: Path) -> None:
    from .conftest import ROOT

    text = (ROOT / "config" / "nurture.toml").read_text(encoding="utf-8")
    bad = text.replace('A = "21d"', 'A = "3 weeks"')
    cfg = tmp_path / "nurture.toml"
    cfg.write_text(bad, encoding="utf-8")
    line = bad.splitlines().index('A = "3 weeks"') + 1 if 'A = "3 weeks"' in bad.splitlines() else None
    result = nurture("--config", str(cfg), "check", ok=False)
    assert result.exit_code == 1
    assert f'{cfg}:{line}: [cadence] A = "3 weeks" is not a duration; write it like "21d"' in result.output


def test_event_link_touch_and_reports(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    nurture(
        "event",
        "add",
        "sabine.becker@example.de",
        "--kind",
        "publication",
        "--date",
        "2026-11-20",
        "--detail",
        "title=Führen auf Distanz",
    )
    nurture("link", "anna.mueller@example.de", "sabine.becker@example.de", "--kind", "knows")
    sabine = nurture.json("contacts", "show", "sabine.becker@example.de")
    assert sabine["events"][0]["details"] == {"title": "Führen auf Distanz"}
    assert sabine["relations"] and sabine["relations"][0]["kind"] == "knows"
    nurture("plan")
    pubs = [m for m in messages_for(nurture, "sabine.becker@example.de") if m["occasion"] == "publication"]
    assert len(pubs) == 1
    nurture("touch", "lisa.hartmann@example.de", "--date", "2026-11-20", "--note", "call")
    ics = tmp_path / "plan.ics"
    plan = nurture.json("report", "plan", "--months", "3", "--ics", str(ics))
    assert plan and ics.read_bytes().startswith(b"BEGIN:VCALENDAR")
    cov = nurture.json("report", "coverage")
    assert set(cov["tiers"]) <= {"A", "B", "C"} and cov["tiers"]


def test_check_applies_the_configured_extra_phrases_to_templates(nurture, tmp_path: Path) -> None:
    import shutil

    from .conftest import ROOT

    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copy(ROOT / "config" / "content.toml", tmp_path / "content.toml")
    text = (ROOT / "config" / "nurture.toml").read_text(encoding="utf-8")
    text = text.replace('templates = "../templates"', f'templates = "{tmp_path / "templates"}"')
    text = text.replace(
        "extra_phrases = { de = [], en = [] }", 'extra_phrases = { de = ["Dienstjubiläum"], en = [] }'
    )
    cfg = tmp_path / "nurture.toml"
    cfg.write_text(text, encoding="utf-8")
    result = nurture("--config", str(cfg), "check", ok=False)
    assert result.exit_code == 1
    assert "work_anniversary" in result.stdout and "(extra_phrase)" in result.stdout


def test_send_test_mails_the_exact_message_and_leaves_its_state(nurture, outbox) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    msg = next(m for m in messages_for(nurture, "anna.mueller@example.de") if m["occasion"] == "birthday")
    before = nurture.json("show", str(msg["id"]))
    result = nurture("show", str(msg["id"]), "--send-test", "approver@example.com")
    assert f"stays {before['status']}" in result.stderr
    files = list(outbox[0].glob("*.eml"))
    assert len(files) == 1
    mail = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert [a.addr_spec for a in mail["To"].addresses] == ["approver@example.com"]
    assert "test" in mail["Subject"].lower() and before["subject"] in mail["Subject"]
    assert mail.get_body(("plain",)).get_content().strip().startswith("Sehr geehrte Frau Dr. Müller,")
    after = nurture.json("show", str(msg["id"]))
    assert (after["status"], after["message_id"], after["subject"]) == (
        before["status"],
        before["message_id"],
        before["subject"],
    )
    assert nurture.json("send", now="2026-11-23T09:00:00+01:00")["sent"] == 0, "a test send approves nothing"


def test_planned_messages_are_listed_and_written_when_opened(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    planned = nurture.json("queue", "--status", "planned")
    assert planned, "the sample has occasions beyond the first three days of the horizon"
    first = planned[0]
    assert first["subject"] == "" and first["text"] == ""
    listing = nurture("queue", "--status", "planned")
    assert f"{first['id']:>6}" in listing.stdout and "`nurture show ID` writes it now" in listing.stdout
    shown = nurture.json("show", str(first["id"]))
    assert shown["status"] in ("pending", "review", "blocked") and shown["subject"] and shown["text"]
    assert first["id"] not in {m["id"] for m in nurture.json("queue", "--status", "planned")}
