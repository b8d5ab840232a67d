"""`nurture touch --import` on odd sent-mail exports: every known recipient is touched once per
mail, dated by the mail, and whatever cannot be read is named with its file and position."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import select

from nurture.adapters.db.engine import make_engine, session_factory
from nurture.adapters.db.tables import Contact, Touch

from .conftest import SAMPLE

ENVELOPE = b"From seller@example.com Sun Nov 22 10:00:00 2026\n"


def touches(nurture) -> list[tuple[str, str, str | None]]:
    """(address, UTC time, note) of every touch, in the order recorded."""
    engine = make_engine(nurture.env["NURTURE_DATABASE__URL"])
    try:
        with session_factory(engine)() as session:
            rows = session.execute(
                select(Contact.email, Touch.at, Touch.note).join(Contact, Contact.id == Touch.contact_id)
                .order_by(Touch.id)
            ).all()  # fmt: skip
    finally:
        engine.dispose()
    return [(email, at.strftime("%Y-%m-%d %H:%M"), note) for email, at, note in rows]


def mail(headers: bytes, body: bytes = b"Thanks for your time.\n") -> bytes:
    return ENVELOPE + headers + b"\n" + body + b"\n"


def test_a_broken_to_field_swallows_neither_its_own_nor_the_cc_recipients(nurture, tmp_path: Path) -> None:
    """An unbalanced quote in To made every recipient of To and Cc vanish without a word."""
    nurture("import", str(SAMPLE))
    box = tmp_path / "sent.mbox"
    box.write_bytes(
        mail(
            b"To: anna.mueller@example.de\nDate: Sat, 21 Nov 2026 09:00:00 +0100\nMessage-ID: <ok-1@example.com>\n"
        )
        + mail(
            b'To: "Anna <anna.mueller@example.de>, Dr. Weber <julia.weber@example.de>\n'
            b"Cc: markus.wagner@example.de\nDate: Sun, 22 Nov 2026 10:00:00 +0100\n"
            b"Message-ID: <broken-to@example.com>\n"
        )  # fmt: skip
    )
    result = nurture.json("touch", "--import", str(box))
    assert result["touches"] == 4 and result["contacts"] == 3
    assert touches(nurture)[1:] == [
        ("anna.mueller@example.de", "2026-11-22 09:00", None),
        ("julia.weber@example.de", "2026-11-22 09:00", None),
        ("markus.wagner@example.de", "2026-11-22 09:00", None),
    ]
    assert len(result["problems"]) == 1
    assert result["problems"][0].startswith(f"{box}:8: mail 2: recipients ")
    assert nurture.json("touch", "--import", str(box))["already"] == 4


def test_utf8_addresses_and_8bit_subjects_are_read_as_written(nurture, tmp_path: Path) -> None:
    """Raw UTF-8 addresses (as SMTPUTF8 mail writes them) matched no contact; a Latin-1 subject became '�'."""
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("email,first_name,last_name,language,country,tier,consent,consent_source,consent_date\n"
                        "jürgen@example.de,Jürgen,Roth,de,DE,A,opt_in,Messe,2025-01-01\n"
                        "anna@müller.example,Anna,Müller,de,DE,A,opt_in,Messe,2025-01-01\n", encoding="utf-8")  # fmt: skip
    nurture("import", str(contacts))
    box = tmp_path / "sent.mbox"
    box.write_bytes(
        mail(
            "To: Jürgen Roth <Jürgen@example.de>\nCc: anna@MÜLLER.example\n"
            "Date: Sun, 22 Nov 2026 10:00:00 +0100\nMessage-ID: <utf8@example.com>\n".encode()
            + b"Subject: Gr\xfc\xdfe aus K\xf6ln\n"
        )  # fmt: skip
    )
    result = nurture.json("touch", "--import", str(box))
    assert result == {"mails": 1, "touches": 2, "contacts": 2, "already": 0}
    assert sorted(touches(nurture)) == [
        ("anna@müller.example", "2026-11-22 09:00", "Grüße aus Köln"),
        ("jürgen@example.de", "2026-11-22 09:00", "Grüße aus Köln"),
    ]


def test_a_single_saved_mail_and_an_mbox_with_a_byte_order_mark_are_read(nurture, tmp_path: Path) -> None:
    """Neither starts with a "From " line, so not one mail was read and the import said '0 mail(s)'."""
    nurture("import", str(SAMPLE))
    saved = tmp_path / "angebot.eml"
    saved.write_bytes(b"To: sabine.becker@example.de\r\nDate: Fri, 20 Nov 2026 16:30:00 +0100\r\n"
                      b"Message-ID: <eml@example.com>\r\nSubject: Angebot\r\n\r\nAnbei.\r\n")  # fmt: skip
    bom = tmp_path / "sent-bom.mbox"
    bom.write_bytes(b"\xef\xbb\xbf" + mail(b"To: stefan.hoffmann@example.de\nDate: Thu, 19 Nov 2026 08:00:00 +0100\n"
                                           b"Message-ID: <bom@example.com>\n"))  # fmt: skip
    assert nurture.json("touch", "--import", str(saved)) == {
        "mails": 1,
        "touches": 1,
        "contacts": 1,
        "already": 0,
    }
    assert nurture.json("touch", "--import", str(bom)) == {
        "mails": 1,
        "touches": 1,
        "contacts": 1,
        "already": 0,
    }
    assert touches(nurture) == [("sabine.becker@example.de", "2026-11-20 15:30", "Angebot"),
                                ("stefan.hoffmann@example.de", "2026-11-19 07:00", None)]  # fmt: skip


def test_text_that_is_no_mail_is_named_instead_of_read_as_nothing(nurture, tmp_path: Path) -> None:
    """A file that is not an mbox at all was '0 mail(s) read' and no word of why."""
    nurture("import", str(SAMPLE))
    notes = tmp_path / "notes.mbox"
    notes.write_bytes(b"Meeting notes, not a mail\n\nAnna called.\n")
    run = nurture("touch", "--import", str(notes), "--json", ok=False)
    assert run.exit_code == 1 and "error: 1 mail(s) could not be read; fix them in" in run.stderr
    result = json.loads(run.stdout)
    assert result["mails"] == 1 and result["touches"] == 0
    assert result["problems"] == [f'{notes}:1: mail 1: text before the first "From " line is not a mail '
                                  "(is this an mbox file?); skipped"]  # fmt: skip


def test_maildir_entries_that_are_no_mail_are_named_and_the_rest_is_read(nurture, tmp_path: Path) -> None:
    """A folder, a dangling link or an empty file in cur/ was skipped silently; a mail without Date counted as now."""
    nurture("import", str(SAMPLE))
    maildir = tmp_path / "Sent"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1763802000.M1P2.host:2,S").write_bytes(
        b"To: anna.mueller@example.de\nDate: Sun, 22 Nov 2026 10:00:00 +0100\nMessage-ID: <md-1@example.com>\n\nhi\n"
    )
    (maildir / "cur" / "1763715600.M3P4.host:2,S").write_bytes(  # 2025-11-21 09:00 UTC, no Date header
        b"To: julia.weber@example.de\nMessage-ID: <md-2@example.com>\n\nhi\n"
    )
    (maildir / "cur" / "1763802001.M5P6.host:2,S").mkdir()
    os.symlink(tmp_path / "gone", maildir / "cur" / "1763802002.M7P8.host:2,S")
    (maildir / "new" / "1763802003.M9P1.host").write_bytes(b"")
    (maildir / "cur" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (maildir / "tmp" / "1763802004.M2P3.host").write_bytes(b"To: markus.wagner@example.de\n\nhalf\n")
    run = nurture("touch", "--import", str(maildir), "--json", ok=False)
    assert run.exit_code == 1 and "error: 3 mail(s) could not be read" in run.stderr
    result = json.loads(run.stdout)
    assert (result["mails"], result["touches"], result["contacts"]) == (5, 2, 2)
    assert result["problems"] == [
        f"{maildir}/cur/1763715600.M3P4.host:2,S: has no Date; dated 2025-11-21 09:00 UTC by its place in the export",
        f"{maildir}/cur/1763802001.M5P6.host:2,S: a folder where a mail file was expected; skipped",
        f"{maildir}/cur/1763802002.M7P8.host:2,S: could not be read (No such file or directory); "
        "check the file and import again",
        f"{maildir}/new/1763802003.M9P1.host: an empty file, not a mail; skipped",
    ]
    assert sorted(touches(nurture)) == [("anna.mueller@example.de", "2026-11-22 09:00", None),
                                        ("julia.weber@example.de", "2025-11-21 09:00", None)]  # fmt: skip
    again = nurture("touch", "--import", str(maildir), ok=False)  # as a person reads it
    assert again.exit_code == 1
    assert "0 touch(es) recorded for 0 contact(s), 2 already known" in again.stdout
    assert f"{maildir}/new/1763802003.M9P1.host: an empty file, not a mail; skipped" in again.stderr.splitlines()


def test_a_resent_mail_touches_whom_it_was_resent_to(nurture, tmp_path: Path) -> None:
    """A mail redirected by the seller touched nobody: Resent-To was not read, and the original To is not
    whom the seller wrote to."""
    nurture("import", str(SAMPLE))
    box = tmp_path / "sent.mbox"
    box.write_bytes(mail(b"To: beat.keller@example.ch\nDate: Mon, 16 Nov 2026 10:00:00 +0100\n"
                         b"Message-ID: <orig@example.ch>\nResent-To: alex.richter@example.de\n"
                         b"Resent-Date: Sun, 22 Nov 2026 10:00:00 +0100\n"))  # fmt: skip
    assert nurture.json("touch", "--import", str(box)) == {
        "mails": 1,
        "touches": 1,
        "contacts": 1,
        "already": 0,
    }
    assert [email for email, _at, _note in touches(nurture)] == ["alex.richter@example.de"]


def test_an_unreadable_date_takes_the_date_of_the_from_line(nurture, tmp_path: Path) -> None:
    """A Date with a time zone of +9999 or a day 32 counted as sent 'now' and reset the cadence today."""
    nurture("import", str(SAMPLE))
    box = tmp_path / "sent.mbox"
    box.write_bytes(
        b"From - Tue Nov 10 08:15:00 2026\n"
        + b"To: peter.steiner@example.at\nDate: Tue, 10 Nov 2026 09:15:00 +9999\n"
        b"Message-ID: <tz@example.com>\n\nhi\n\n"
        b"From - Wed Nov 11 12:00:00 2026\n" + b"To: reto.meier@example.ch\nDate: Mon, 32 Foo 2026\n"
        b"Message-ID: <day@example.com>\n\nhi\n"
    )
    result = nurture.json("touch", "--import", str(box))
    assert result["touches"] == 2
    assert touches(nurture) == [("peter.steiner@example.at", "2026-11-10 08:15", None),
                                ("reto.meier@example.ch", "2026-11-11 12:00", None)]  # fmt: skip
    assert result["problems"] == [
        f"{box}:1: mail 1: has an unreadable Date 'Tue, 10 Nov 2026 09:15:00 +9999'; "
        "dated 2026-11-10 08:15 UTC by its place in the export",
        f"{box}:8: mail 2: has an unreadable Date 'Mon, 32 Foo 2026'; dated 2026-11-11 12:00 UTC by its place in the export",
    ]
    assert (
        nurture.json("contacts", "show", "peter.steiner@example.at")["last_touch_at"]
        == "2026-11-10T08:15:00+00:00"
    )


def test_a_body_line_starting_with_from_is_no_new_mail(nurture, tmp_path: Path) -> None:
    """An unescaped "From " line in a body split the mail, and a quoted 'To:' below it touched a contact."""
    nurture("import", str(SAMPLE))
    box = tmp_path / "sent.mbox"
    box.write_bytes(mail(b"To: emma.thompson@example.co.uk\nDate: Sun, 22 Nov 2026 10:00:00 +0100\n"
                         b"Message-ID: <quote@example.com>\n",
                         b"Forwarded below.\nFrom the meeting notes of James:\nTo: james.wilson@example.co.uk\n"))  # fmt: skip
    assert nurture.json("touch", "--import", str(box)) == {
        "mails": 1,
        "touches": 1,
        "contacts": 1,
        "already": 0,
    }
    assert [email for email, _at, _note in touches(nurture)] == ["emma.thompson@example.co.uk"]


def test_mails_with_an_empty_message_id_are_told_apart(nurture, tmp_path: Path) -> None:
    """Every mail with 'Message-ID: <>' shared one key: only the first one to a contact was recorded."""
    nurture("import", str(SAMPLE))
    box = tmp_path / "sent.mbox"
    box.write_bytes(
        mail(
            b"To: maria.gruber@example.at\nDate: Mon, 02 Nov 2026 10:00:00 +0100\nMessage-ID: <>\nSubject: first\n"
        )
        + mail(
            b"To: maria.gruber@example.at\nDate: Fri, 20 Nov 2026 10:00:00 +0100\nMessage-ID: <>\nSubject: second\n"
        )
    )
    assert nurture.json("touch", "--import", str(box)) == {
        "mails": 2,
        "touches": 2,
        "contacts": 1,
        "already": 0,
    }
    assert touches(nurture) == [("maria.gruber@example.at", "2026-11-02 09:00", "first"),
                                ("maria.gruber@example.at", "2026-11-20 09:00", "second")]  # fmt: skip
    assert (
        nurture.json("contacts", "show", "maria.gruber@example.at")["last_touch_at"]
        == "2026-11-20T09:00:00+00:00"
    )
    assert nurture.json("touch", "--import", str(box))["already"] == 2


def test_recipients_who_are_no_contact_are_named_not_dropped_silently(nurture, tmp_path: Path) -> None:
    """Mails to people who are not contacts were counted as read and nothing said why no touch came of them."""
    nurture("import", str(SAMPLE))
    box = tmp_path / "sent.mbox"
    box.write_bytes(
        mail(b"To: anna.mueller@example.de, new.lead@example.org\nCc: Somebody <SOMEBODY@Example.COM>\n"
             b"Date: Sat, 21 Nov 2026 09:00:00 +0100\nMessage-ID: <s-1@example.com>\n")
        + mail(b"To: new.lead@example.org\nDate: Sun, 22 Nov 2026 09:00:00 +0100\nMessage-ID: <s-2@example.com>\n")
    )  # fmt: skip
    result = nurture.json("touch", "--import", str(box))
    assert result["touches"] == 1 and result["contacts"] == 1
    assert result["not_contacts"] == 2
    assert result["not_contacts_sample"] == ["new.lead@example.org", "somebody@example.com"]
    text = nurture("touch", "--import", str(box)).output
    assert ("2 recipient address(es) are no contact, so nothing was recorded for them: new.lead@example.org, "
            "somebody@example.com; to count these mails, import those people") in text  # fmt: skip

    many = tmp_path / "many.mbox"
    many.write_bytes(b"".join(mail(f"To: lead{i:02d}@example.org\nMessage-ID: <m{i}@example.com>\n".encode())
                              for i in range(12)))  # fmt: skip
    text = nurture("touch", "--import", str(many)).output
    assert "12 recipient address(es) are no contact" in text and "lead09@example.org and 2 more;" in text


def test_mails_nurture_sent_itself_are_not_counted_twice(nurture, outbox, tmp_path: Path) -> None:
    """The relay's Sent folder holds nurture's own mails too: each was counted once as sent and again as a touch."""
    nurture("import", str(SAMPLE))
    nurture("plan")
    first = nurture.json("queue")[0]
    nurture("approve", str(first["id"]))
    assert nurture.json("send", now="2026-11-23T09:00:00+01:00")["sent"] == 1
    [own] = list(outbox[0].glob("*.eml"))
    box = tmp_path / "sent.mbox"
    box.write_bytes(ENVELOPE + own.read_bytes().replace(b"\r\n", b"\n") + b"\n"
                    + mail(b"To: julia.weber@example.de\nDate: Sat, 21 Nov 2026 09:00:00 +0100\n"
                           b"Message-ID: <by-hand@example.com>\n"))  # fmt: skip
    result = nurture.json("touch", "--import", str(box))
    assert result["mails"] == 2 and result["sent_by_nurture"] == 1
    assert result["touches"] == 1 and [t[0] for t in touches(nurture)] == ["julia.weber@example.de"]
    text = nurture("touch", "--import", str(box)).output
    assert "1 mail(s) were sent by nurture itself and already count as touches; they were skipped" in text
