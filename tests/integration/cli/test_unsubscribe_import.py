"""Opt-outs and bounces that arrive by mail: `nurture unsubscribe --import` on an inbox export.

The mailto unsubscribe link, a "bitte abmelden" reply, a bounce report from a relay that
accepted the message and a complaint report all landed in the seller's inbox and were never
acted on: contacts who had asked to stop, or whose mailbox no longer exists, kept getting mail.
The mails below are written as the programs that send them write them (Postfix and Exchange
bounce reports, an RFC 5965 abuse report, Outlook and Thunderbird replies).
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from nurture.adapters.db.tables import ConsentEvent, Contact, Message

from .conftest import SAMPLE

ANNA = "anna.mueller@example.de"
THOMAS = "thomas.schneider@example.de"
EMMA = "emma.thompson@example.co.uk"
MICHAEL = "michael.davis@example.com"
JULIA = "julia.weber@example.de"


def mail(headers: str, body: str) -> str:
    return headers.strip("\n") + "\n\n" + body.strip("\n") + "\n"


MAILTO_REQUEST = mail(f"""
From: Anna Müller <{ANNA.upper()}>
To: jana@example.com
Subject: unsubscribe
Date: Mon, 23 Nov 2026 09:12:00 +0100
Message-ID: <req1@example.de>
""", "This message was sent by the unsubscribe link of your mail program.")

OUTLOOK_REPLY = mail(f"""
From: Thomas Schneider <{THOMAS}>
To: Jana Beispiel <jana@example.com>
Subject: AW: Ein Hinweis für Sie
Date: Mon, 23 Nov 2026 10:00:00 +0100
Message-ID: <req2@example.de>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
""", """
Hallo Frau Beispiel,

bitte schicken Sie mir keine E-Mails mehr.

Gruß
Thomas Schneider

Von: Jana Beispiel <jana@example.com>
Gesendet: Montag, 23. November 2026 08:30
Betreff: Ein Hinweis für Sie

Sehr geehrter Herr Schneider, ...
Wenn Sie keine weiteren Nachrichten wünschen, können Sie sich hier abmelden.
""")

# A friendly reply that quotes nurture's footer ("abmelden", "unsubscribe"): no request.
THANKS_QUOTING_FOOTER = mail(f"""
From: {EMMA}
To: jana@example.com
Subject: Re: A birthday greeting for you
Date: Mon, 23 Nov 2026 11:00:00 +0000
Message-ID: <thanks@example.co.uk>
""", """
Thank you so much, Jana, very kind of you!

On Mon, 23 Nov 2026 at 08:30, Jana Beispiel <jana@example.com> wrote:
> Dear Ms Thompson,
> If you would rather not hear from us, unsubscribe here: https://example.com/u/x
""")

OUT_OF_OFFICE = mail(f"""
From: {MICHAEL}
To: jana@example.com
Subject: Automatic reply: unsubscribe
Auto-Submitted: auto-replied
Date: Mon, 23 Nov 2026 11:05:00 +0000
Message-ID: <ooo@example.com>
""", "I am out of the office until 30 November.")

POSTFIX_BOUNCE = mail("""
From: MAILER-DAEMON@relay.example.com (Mail Delivery System)
To: jana@example.com
Subject: Undelivered Mail Returned to Sender
Date: Mon, 23 Nov 2026 12:00:00 +0100
Message-ID: <bounce1@relay.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"
""", f"""
--B1
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.com
Arrival-Date: Mon, 23 Nov 2026 11:59:58 +0100

Final-Recipient: rfc822; {JULIA}
Original-Recipient: rfc822;{JULIA}
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.de
Diagnostic-Code: smtp; 550 5.1.1 <{JULIA}>: Recipient address rejected: User unknown

--B1
Content-Type: text/rfc822-headers

From: Jana Beispiel <jana@example.com>
To: Julia Weber <{JULIA}>
Subject: Ein Hinweis für dich

--B1--
""")

# A spam block is permanent but says nothing about the address: listed, the contact stays.
POLICY_BOUNCE = POSTFIX_BOUNCE.replace(JULIA, MICHAEL).replace("Status: 5.1.1", "Status: 5.7.1").replace(
    "550 5.1.1", "550 5.7.1").replace("User unknown", "Message rejected as spam").replace("bounce1@", "bounce2@")
# Still trying: nothing to act on.
DELAYED = POSTFIX_BOUNCE.replace(JULIA, EMMA).replace("Action: failed", "Action: delayed").replace(
    "Status: 5.1.1", "Status: 4.4.1").replace("bounce1@", "bounce3@")

ABUSE_REPORT = mail("""
From: feedback@mailbox-provider.example
To: abuse@example.com
Subject: FW: Ein Geburtstagsgruß für Sie
Date: Mon, 23 Nov 2026 13:00:00 +0000
Message-ID: <arf1@mailbox-provider.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F1"
""", """
--F1
Content-Type: text/plain

This is an email abuse report for an email message received from IP 192.0.2.1.

--F1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1

--F1
Content-Type: message/rfc822

From: Jana Beispiel <jana@example.com>
To: Reto Meier <reto.meier@example.ch>
Subject: Ein Geburtstagsgruß für Sie

Sehr geehrter Herr Meier, ...

--F1--
""")

STRANGER = mail("""
From: somebody@else.example
To: jana@example.com
Subject: Please unsubscribe me
Date: Mon, 23 Nov 2026 14:00:00 +0000
Message-ID: <stranger@else.example>
""", "Remove me.")


def export(tmp_path: Path, *mails: str) -> Path:
    path = tmp_path / "inbox.mbox"
    with path.open("w", encoding="utf-8") as fh:
        for text in mails:
            fh.write("From jana@example.com Mon Nov 23 15:00:00 2026\n" + text + "\n")
    return path


def states(nurture) -> dict[str, tuple[bool, bool]]:
    from nurture.adapters.db.engine import make_engine

    engine = make_engine(nurture.env["NURTURE_DATABASE__URL"])
    with engine.connect() as conn:
        rows = conn.execute(select(Contact.email, Contact.unsubscribed, Contact.bounced))
        found = {email: (unsub, bounced) for email, unsub, bounced in rows}
    engine.dispose()
    return found


def test_requests_complaints_and_bounces_in_an_inbox_export_are_acted_on(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    path = export(tmp_path, MAILTO_REQUEST, OUTLOOK_REPLY, THANKS_QUOTING_FOOTER, OUT_OF_OFFICE, POSTFIX_BOUNCE,
                  POLICY_BOUNCE, DELAYED, ABUSE_REPORT, STRANGER)  # fmt: skip
    done = nurture("unsubscribe", "--import", str(path))
    out = done.stdout
    assert "9 mail(s) read: 4 contact(s) unsubscribed, 1 marked bounced, 0 already so" in out, out
    assert f"{ANNA} unsubscribed" in out and "the subject says 'unsubscribe'" in out
    assert f"{THOMAS} unsubscribed" in out and "keine E-Mails mehr" in out
    assert "reto.meier@example.ch unsubscribed" in out and "complaint report" in out
    assert f"{JULIA} marked bounced (5.1.1" in out
    assert f"{MICHAEL}: 5.7.1" in out and "the contact stays" in out
    # Asked, but not imported yet: kept as an unsubscribed record, so a later import cannot mail it.
    assert "somebody@else.example unsubscribed; not imported yet, so kept as contact" in out, out
    found = states(nurture)
    assert found[ANNA] == (True, False) and found[THOMAS] == (True, False)
    assert found["reto.meier@example.ch"] == (True, False)
    assert found[JULIA] == (False, True)
    assert found[EMMA] == (False, False)  # thanked, quoting the footer; a delay report is no failure
    assert found[MICHAEL] == (False, False)  # out of office; a spam block is not about the address
    # Their open messages are cancelled, with the mail named in the consent history.
    from nurture.adapters.db.engine import make_engine

    engine = make_engine(nurture.env["NURTURE_DATABASE__URL"])
    with engine.connect() as conn:
        anna = conn.execute(select(Contact.id).where(Contact.email == ANNA)).scalar_one()
        open_left = conn.execute(select(Message.id).where(
            Message.contact_id == anna, Message.status.in_(("planned", "pending", "approved")))).all()  # fmt: skip
        history = conn.execute(select(ConsentEvent.basis, ConsentEvent.source).where(
            ConsentEvent.contact_id == anna).order_by(ConsentEvent.id)).all()  # fmt: skip
    engine.dispose()
    assert open_left == []
    assert history[-1][0] == "unsubscribed" and "inbox.mbox" in history[-1][1]

    # Read again: nothing changes, nothing is counted twice.
    again = nurture.json("unsubscribe", "--import", str(path))
    assert again["unsubscribed"] == 0 and again["bounced"] == 0 and again["already"] == 5, again
    assert "changes" not in again


def test_an_unreadable_mail_is_named_and_the_rest_is_acted_on(nurture, tmp_path: Path) -> None:
    nurture("import", str(SAMPLE))
    path = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True)
    (path / "cur" / "1700000000.a.host").write_text(MAILTO_REQUEST, encoding="utf-8")
    (path / "cur" / "1700000001.b.host").mkdir()  # a folder where a mail should be
    done = nurture("unsubscribe", "--import", str(path), ok=False)
    assert done.exit_code == 1
    assert "1700000001.b.host: a folder where a mail file was expected" in done.stderr
    assert "an opt-out among them must still be honoured" in done.stderr
    assert states(nurture)[ANNA] == (True, False)


def test_usage_errors_exit_2(nurture, tmp_path: Path) -> None:
    assert nurture("unsubscribe", ok=False).exit_code == 2
    path = export(tmp_path, MAILTO_REQUEST)
    assert nurture("unsubscribe", ANNA, "--import", str(path), ok=False).exit_code == 2
    # Anna is not imported here: her request keeps her address, unsubscribed.
    assert json.loads(nurture("unsubscribe", "--import", str(path), "--json").stdout)["unsubscribed"] == 1


def test_unsubscribing_an_address_not_imported_yet_holds_after_its_import(nurture, tmp_path: Path) -> None:
    """`nurture unsubscribe nobody@…` said "no contact" and recorded nothing: a later import mailed them."""
    said = nurture("unsubscribe", ANNA)
    assert "not imported yet, so it is kept as contact" in said.stdout
    nurture("import", str(SAMPLE))
    anna = nurture.json("contacts", "show", ANNA)
    assert anna["unsubscribed"] is True and anna["first_name"] == "Anna"
    nurture("plan")
    assert not [m for m in nurture.json("queue", "--status", "all") if m["email"] == ANNA]
    # Something that is no address is still refused plainly.
    wrong = nurture("unsubscribe", "not-an-address", ok=False)
    assert wrong.exit_code == 1 and "no e-mail address" in wrong.stderr
