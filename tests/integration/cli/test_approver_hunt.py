"""What an approver met on the command line: a dry run promising a mail the real run refuses,
`--all-pending` failing on greetings whose day had passed, control characters in a personal
note reaching the contact's mail, and queue times in several zones without saying which."""

from __future__ import annotations

import itertools

from .conftest import SAMPLE

BIRTHDAY_EMMA = "emma.thompson@example.co.uk"


def pending(nurture, email: str) -> dict:
    return next(m for m in nurture.json("queue") if m["email"] == email)


def test_send_dry_run_says_which_due_message_the_real_run_would_refuse(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    emma = pending(nurture, BIRTHDAY_EMMA)
    nurture("approve", str(emma["id"]))
    nurture("contacts", "edit", BIRTHDAY_EMMA, "--consent", "none")
    dry = nurture("send", "--dry-run", now=emma["send_at"])
    assert f"would NOT send {emma['id']}: birthday" in dry.stdout, dry.stdout
    assert "the contact has no legal basis for e-mail" in dry.stdout
    listed = nurture.json("send", "--dry-run", now=emma["send_at"])
    assert next(m for m in listed if m["id"] == emma["id"])["refused"].startswith("the contact has no legal basis")
    # And the real run does as the dry run said.
    nurture("send", now=emma["send_at"])
    assert nurture.json("show", str(emma["id"]))["status"] == "failed"


def test_all_pending_leaves_out_greetings_whose_day_passed_instead_of_failing(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    first = nurture.json("queue")
    missed = [m for m in first if m["expires_at"] and m["expires_at"] < "2026-11-24T12"]
    assert missed, first
    result = nurture("approve", "--all-pending", now="2026-11-24T12:00:00+01:00")
    assert result.exit_code == 0, result.stderr
    assert f"{len(missed)} pending message(s) left out: their day has passed" in result.stderr
    for m in missed:
        assert nurture.json("show", str(m["id"]))["status"] == "pending"  # left to expire, not approved


def test_a_note_with_control_characters_or_a_signature_line_is_refused(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    emma = pending(nurture, BIRTHDAY_EMMA)
    for note, said in (("All the best\x1b[31m from the team", "U+001B"), ("Cheers\u202e", "U+202E"),
                       ("See you soon\n-- \nJana", 'a line "--"')):  # fmt: skip
        result = nurture("approve", str(emma["id"]), "--note", note, ok=False)
        assert result.exit_code == 1 and said in result.stderr, result.stderr
        assert nurture.json("show", str(emma["id"]))["status"] == "pending"
    # Line breaks as Windows or a word processor write them are line breaks, not refused characters.
    done = nurture("approve", str(emma["id"]), "--note", "Looking forward to our call.\r\nJana\u2028")
    assert done.exit_code == 0, done.stderr
    shown = nurture.json("show", str(emma["id"]))
    assert "Looking forward to our call.\nJana" in shown["text"] and "\r" not in shown["text"]


def test_queue_times_carry_their_offset(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    lines = nurture("queue").stdout.splitlines()
    priya = next(line for line in lines if "Priya Sharma" in line)
    anna = next(line for line in lines if "Anna Müller" in line)
    assert "T11:31+05:30" in priya and "T08:30+01:00" in anna, (priya, anna)


def test_a_test_copy_carries_no_working_unsubscribe_link_of_the_contact(nurture, outbox) -> None:
    """The test copy held the contact's live link: an approver trying it opted the contact out for good."""
    from email import policy
    from email.parser import BytesParser

    nurture("import", str(SAMPLE))
    nurture("plan")
    anna = pending(nurture, "anna.mueller@example.de")
    real = nurture.json("show", str(anna["id"]))
    assert "http://127.0.0.1:8080/u/" in real["text"]  # the message itself keeps the contact's link
    token = real["text"].split("http://127.0.0.1:8080/u/", 1)[1].split()[0]
    nurture("show", str(anna["id"]), "--send-test", "approver@example.com")
    [copy] = list(outbox[0].glob("*.eml"))
    raw = copy.read_bytes()
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert token not in text and token not in html and token.encode() not in raw
    assert "http://127.0.0.1:8080/u/test-copy-does-nothing" in text and "test-copy-does-nothing" in html


def test_report_plan_foresees_the_months_past_the_horizon(nurture) -> None:
    """`report plan --months 3` listed two weeks: Karin's birthday in February was missing from the contact plan."""
    nurture("import", str(SAMPLE))
    nurture("plan")
    told = nurture("report", "plan", "--months", "4")
    assert '"foreseen": the planner decides 14 days ahead ([schedule] horizon)' in told.stderr
    after = told.stdout.split("Karin von Stein", 1)[1].splitlines()[1:]
    karin = "\n".join(itertools.takewhile(lambda line: line.startswith(" "), after))
    # Born on 29 February: greeted on the 28th in 2027, foreseen as the planner would plan it.
    assert "2027-02-28T08:30  birthday         foreseen" in karin
    plan = nurture.json("report", "plan", "--months", "4")
    touch = next(t for e in plan if e["email"] == "karin.vonstein@example.de" for t in e["touches"]
                 if t["occasion"] == "birthday")  # fmt: skip
    assert touch["status"] == "foreseen" and touch["message_id"] is None and touch["send_at"].startswith("2027-02-28")
