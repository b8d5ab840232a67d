"""Odd ids, dates and texts on the command line: a plain error (or a plain "not found"), never a traceback.

Found by driving every command with odd arguments against PostgreSQL: a contact id beyond the
INTEGER range failed there with a database error, a 5,000-digit id with a Python error, and
`--now 0001-01-01` with an overflow deep in planning.
"""

from __future__ import annotations

import pytest

from .conftest import SAMPLE

HUGE = ["2147483648", "99999999999999999999999", "9" * 5000]


@pytest.mark.parametrize("ref", HUGE)
def test_a_contact_id_no_database_can_hold_is_simply_not_found(nurture, ref: str) -> None:
    nurture("import", str(SAMPLE))
    for args in (["contacts", "show", ref], ["touch", ref, "--date", "2026-11-01"], ["unsubscribe", ref],
                 ["link", ref, "1", "--kind", "colleague"], ["event", "add", ref, "--kind", "promotion",
                 "--date", "2026-11-20"]):  # fmt: skip
        result = nurture(*args, ok=False)
        said = result.output + result.stderr
        assert result.exit_code != 0, args
        assert "Traceback" not in said and "sqlalchemy" not in said, (args, said[-300:])
        assert "no contact" in said, (args, said[-300:])


@pytest.mark.parametrize("ref", HUGE[:2])
def test_a_message_id_no_database_can_hold_is_simply_not_found(nurture, ref: str) -> None:
    """`approve 99999999999999999999` stopped with an "integer out of range" database error on PostgreSQL."""
    nurture("import", str(SAMPLE))
    nurture("plan")
    for args in (["show", ref], ["approve", ref], ["approve", ref, "--note", "Bis bald!"],
                 ["reject", ref, "--reason", "not now"]):  # fmt: skip
        result = nurture(*args, ok=False)
        said = result.output + result.stderr
        assert result.exit_code != 0, args
        assert "Traceback" not in said and "sqlalchemy" not in said, (args, said[-300:])
        assert f"no message {ref}" in said, (args, said[-300:])
    assert nurture.json("queue", "--status", "approved") == []


@pytest.mark.parametrize("address", ["2147483648", "jana at example.com", "'; drop table contacts;--", "@", "ü"])
def test_a_test_send_to_something_that_is_no_address_is_refused_plainly(nurture, outbox, address: str) -> None:
    """`show 3 --send-test 0` ended in a HeaderInjection traceback from building the mail."""
    nurture("import", str(SAMPLE))
    nurture("plan")
    first = nurture.json("queue")[0]
    result = nurture("show", str(first["id"]), "--send-test", address, ok=False)
    assert result.exit_code == 1
    assert "error: --send-test" in result.stderr and "like jana@example.com" in result.stderr, result.stderr
    assert not list(outbox[0].glob("**/*.eml"))
    assert nurture.json("show", str(first["id"]))["status"] == first["status"]


@pytest.mark.parametrize("now", ["0001-01-01", "9999-12-31T23:00"])
def test_a_clock_at_the_ends_of_the_calendar_is_refused_plainly(nurture, now: str) -> None:
    for args in (["plan"], ["status"]):
        result = nurture(*args, ok=False, now=now)
        said = result.output + result.stderr
        assert result.exit_code != 0 and "Traceback" not in said
        assert "outside the years 1900 to 9000" in said, said[-300:]


def test_a_touch_in_the_future_is_refused(nurture) -> None:
    """A touch dated 2099 was recorded and held the contact's content drops back for 73 years."""
    nurture("import", str(SAMPLE))
    result = nurture("touch", "1", "--date", "2099-01-01", ok=False)
    assert result.exit_code != 0
    assert "--date 2099-01-01 is in the future" in result.output + result.stderr
    assert nurture.json("contacts", "show", "1")["last_touch_at"] is None
    nurture("touch", "1", "--date", "2026-11-23")  # today (the clock is 2026-11-23 07:00 in Berlin) is fine
    assert nurture.json("contacts", "show", "1")["last_touch_at"] < "2026-11-23T06:01:00+00:00"


def test_an_export_into_a_folder_that_takes_no_files_says_so(nurture) -> None:
    """/proc exists but takes no files: the error named a hidden temporary file instead of the export."""
    result = nurture("contacts", "export", "/proc/nurture-export.csv", ok=False)
    said = result.output + result.stderr
    assert result.exit_code == 1 and "Traceback" not in said
    assert "/proc/nurture-export.csv: cannot write in /proc" in said and ".tmp" not in said


def test_a_database_without_nurture_tables_says_to_run_init(db_url: str) -> None:
    """Before `nurture init` every command said only "database error: no such table: messages"."""
    from .conftest import Nurture

    env = {"NURTURE_DATABASE__URL": db_url, "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
           "NURTURE_NOW": "", "NURTURE_CONFIG": ""}  # fmt: skip
    result = Nurture(env, "2026-11-23T07:00:00+01:00")("status", ok=False)
    said = result.output + result.stderr
    assert result.exit_code == 1 and "Traceback" not in said
    assert "run `nurture init`" in said, said


def test_a_database_url_of_an_unknown_kind_is_a_config_problem(tmp_path) -> None:
    from .conftest import Nurture

    env = {"NURTURE_DATABASE__URL": "bogus://x", "NURTURE_SECRET_KEY": "k" * 32, "NURTURE_NOW": "", "NURTURE_CONFIG": ""}
    result = Nurture(env, "2026-11-23T07:00:00+01:00")("status", ok=False)
    said = result.output + result.stderr
    assert result.exit_code == 1 and "Traceback" not in said and "NoSuchModuleError" not in said
    assert "is not a database nurture works with" in said, said


@pytest.mark.parametrize("option", ["--title", "--company", "--consent-source", "--note"])
def test_a_control_character_in_an_edited_text_is_refused(nurture, option: str) -> None:
    """An escape or NUL typed into an edit was stored as it came (PostgreSQL refused the NUL with a traceback)."""
    nurture("import", str(SAMPLE))
    before = nurture.json("contacts", "show", "1")
    for value in ("Dr.\x1b[31m", "ACME\x00"):
        result = nurture("contacts", "edit", "1", option, value, ok=False)
        assert result.exit_code == 1, result.output
        assert f"error: {option} contains the control character" in result.stderr, result.stderr
    assert nurture.json("contacts", "show", "1") == before


def test_an_approver_name_too_long_for_the_record_is_refused_plainly(nurture) -> None:
    """`approve 3 --as "<300 characters>"` stopped with "value too long for type character varying(100)" on PostgreSQL."""
    nurture("import", str(SAMPLE))
    nurture("plan")
    first, second = (m["id"] for m in nurture.json("queue")[:2])
    for args in (["approve", str(first)], ["reject", str(second), "--reason", "not now"]):
        result = nurture(*args, "--as", "Jana " * 60, ok=False)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "error: the approver's name is 299 characters long; at most 100 fit" in result.stderr, result.stderr
    assert {m["id"] for m in nurture.json("queue")[:2]} == {first, second}
    nurture("approve", str(first), "--as", "  Jana   Beispiel ")
    assert nurture.json("show", str(first))["approved_by"] == "Jana Beispiel"


def test_a_note_longer_than_a_personal_line_is_refused(nurture) -> None:
    """A 100,000-character note was accepted from the command line (the approval page stops at 2,000)."""
    nurture("import", str(SAMPLE))
    nurture("plan")
    first = nurture.json("queue")[0]
    result = nurture("approve", str(first["id"]), "--note", "Schön. " * 400, ok=False)
    assert result.exit_code == 1
    assert "the note is 2,799 characters long; a personal line fits in 2,000" in result.output + result.stderr
    shown = nurture.json("show", str(first["id"]))
    assert shown["status"] == "pending" and shown["note"] is None


@pytest.mark.parametrize(("detail", "said"), [
    ("title=Mein\x1b[31mBuch", "contains the control character '\\x1b'"),
    ("title=" + "Buch " * 100, "is too long: a key takes 50 characters, a value 300"),
    ("k" * 60 + "=x", "is too long"),
])  # fmt: skip
def test_an_event_detail_that_cannot_go_into_a_message_is_refused(nurture, detail: str, said: str) -> None:
    """A 100,000-character title or an escape sequence was recorded and went into the congratulation as written."""
    nurture("import", str(SAMPLE))
    result = nurture("event", "add", "1", "--kind", "publication", "--date", "2026-11-20", "--detail", detail, ok=False)
    assert result.exit_code == 1 and said in result.stderr, result.stderr
    assert nurture.json("contacts", "show", "1")["events"] == []


def test_an_event_detail_is_kept_on_one_line(nurture) -> None:
    nurture("import", str(SAMPLE))
    recorded = nurture.json("event", "add", "1", "--kind", "publication", "--date", "2026-11-20",
                            "--detail", " title =  Vertrieb\n  mit   Herz ")  # fmt: skip
    assert recorded["details"] == {"title": "Vertrieb mit Herz"}


@pytest.mark.parametrize(("value", "said"), [
    ("2031-05-17", "error: --birthday 2031-05-17 is after today (2026-11-23); write the year of birth, or --05-17 "),
    ("1850-01-31", "error: --birthday 1850-01-31 is before 1900, too old for a living contact; write the year of "
                   "birth, or --01-31 "),
])  # fmt: skip
def test_an_edited_birthday_no_living_contact_can_have_is_refused(nurture, value: str, said: str) -> None:
    """`contacts edit --birthday 2031-05-17` was stored, though the import leaves such a birthday out."""
    nurture("import", str(SAMPLE))
    before = nurture.json("contacts", "show", "1")
    result = nurture("contacts", "edit", "1", "--birthday", value, ok=False)
    assert result.exit_code == 1 and said in result.stderr, result.stderr
    assert nurture.json("contacts", "show", "1") == before
    nurture("contacts", "edit", "1", "--birthday", "--05-17")  # the year-less form is always fine
    assert nurture.json("contacts", "show", "1")["birthday"] == "--05-17"


def test_a_time_zone_that_is_a_folder_is_refused_plainly_and_a_stored_one_breaks_no_listing(nurture) -> None:
    """`contacts edit --timezone Europe` ended in a traceback (IsADirectoryError), and so did `queue` for such a contact."""
    from sqlalchemy import update

    from nurture.adapters.db.engine import make_engine, session_factory
    from nurture.adapters.db.tables import Contact

    nurture("import", str(SAMPLE))
    nurture("plan")
    result = nurture("contacts", "edit", "1", "--timezone", "Europe", ok=False)
    said = result.output + result.stderr
    assert result.exit_code == 1 and "Traceback" not in said
    assert "error: --timezone 'Europe' is not a time zone; write it like Europe/Berlin" in result.stderr

    # A zone stored by another way (an older version, a hand-made row) shows times in UTC instead of failing.
    contact_id = nurture.json("queue")[0]["contact_id"]
    engine = make_engine(nurture.env["NURTURE_DATABASE__URL"])
    try:
        with session_factory(engine)() as session, session.begin():
            session.execute(update(Contact).where(Contact.id == contact_id).values(timezone="America"))
    finally:
        engine.dispose()
    listed = [m for m in nurture.json("queue") if m["contact_id"] == contact_id]
    assert listed and all(m["send_at"].endswith("+00:00") for m in listed)
