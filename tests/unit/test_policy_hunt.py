"""Who a refusal is about: the recipient's mailbox (bounce), us (pause the relay), or neither.

Faults found against real aiosmtpd relays: a relay refusing to relay at RCPT marked every
recipient bounced, or failed the whole approved queue without pausing; "550 5.1.1 User unknown"
after the final dot failed the message without marking the contact bounced. The replies below
are the tester's, plus real ones from Postfix, Exim, Sendmail, qmail, Microsoft 365 and Gmail.
"""

from __future__ import annotations

import pytest

from nurture.outbox.policy import Outcome, classify, mailbox_gone, refuses_us

R, F = Outcome.RETRY, Outcome.FAILED
BOUNCE = (F, True, False)  # the recipient's mailbox does not exist
PAUSE = (F, False, True)  # the relay refuses us: the run stops, the message waits (no attempt spent)
FAIL = (F, False, False)  # this message only: no bounce, no pause

RCPT_CASES = [
    # -- the tester's replies ------------------------------------------------------------------
    (550, "relay not permitted", PAUSE),
    (550, "Requested action not taken: mailbox unavailable (sender blocked)", PAUSE),
    (554, "5.7.1 Relay access denied", PAUSE),
    (550, "5.7.1 Client host rejected", PAUSE),
    (550, "5.1.1 User unknown", BOUNCE),
    (550, "No such user here", BOUNCE),
    (550, "mailbox unavailable", BOUNCE),
    (550, "Requested action not taken: mailbox unavailable", BOUNCE),
    (553, "5.1.3 bad address", BOUNCE),
    (552, "5.2.2 mailbox full", FAIL),
    (550, "5.7.1 recipient address rejected: access denied", FAIL),
    # -- Postfix -------------------------------------------------------------------------------
    (554, "5.7.1 <kunde@example.com>: Relay access denied", PAUSE),
    (554, "5.7.1 <mailer@sender.example>: Sender address rejected: Access denied", PAUSE),
    (553, "5.7.1 <mailer@sender.example>: Sender address rejected: not owned by user mailer", PAUSE),
    (554, "5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org", PAUSE),
    (
        550,
        "5.7.1 Service unavailable; Sender address [mailer@sender.example] blocked using dbl.spamhaus.org",
        PAUSE,
    ),
    (553, "5.1.8 <mailer@sender.example>: Sender address rejected: Domain not found", PAUSE),
    (550, "5.1.7 <mailer@sender.example>: Sender address rejected: undeliverable address", PAUSE),
    (
        550,
        "5.1.1 <kunde@example.com>: Recipient address rejected: User unknown in local recipient table",
        BOUNCE,
    ),
    # "relay" in a missing-mailbox reply is no relay refusal
    (
        550,
        "5.1.1 <kunde@example.com>: Recipient address rejected: User unknown in relay recipient table",
        BOUNCE,
    ),
    (554, "5.7.1 <kunde@example.com>: Recipient address rejected: Access denied", FAIL),
    (
        550,
        "5.7.1 <liste@example.com>: Recipient address rejected: only members may post, sender not allowed",
        FAIL,
    ),
    # -- Exim ----------------------------------------------------------------------------------
    (550, "relay not permitted, authentication required", PAUSE),
    (550, "Sender verify failed", PAUSE),
    (550, "Unrouteable address", BOUNCE),
    # -- Sendmail ------------------------------------------------------------------------------
    (550, "5.7.1 <kunde@example.com>... Relaying denied. Proper authentication required.", PAUSE),
    (550, "5.1.1 <kunde@example.com>... User unknown", BOUNCE),
    # -- qmail: the enhanced code trails the text ------------------------------------------------
    (553, "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", PAUSE),
    (553, "sorry, that domain isn't allowed to be relayed thru this MTA (#5.7.1)", PAUSE),
    # -- Microsoft 365 -------------------------------------------------------------------------
    (550, "5.7.1 Unable to relay", PAUSE),
    (550, "5.7.54 SMTP; Unable to relay recipient in non-accepted domain", PAUSE),
    (550, "5.7.64 TenantAttribution; Relay Access Denied", PAUSE),
    (550, "5.7.57 Client not authenticated to send mail", PAUSE),
    (550, "5.7.60 SMTP; Client does not have permissions to send as this sender", PAUSE),
    (550, "5.7.606 Access denied, banned sending IP [192.0.2.7]", PAUSE),
    (550, "5.7.708 Service unavailable. Access denied, traffic not accepted from this IP", PAUSE),
    (550, "5.1.8 Access denied, bad outbound sender", PAUSE),
    (550, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", BOUNCE),
    # directory-based edge blocking: the recipient's tenant refuses; X.4.1 is no mailbox code (as before)
    (550, "5.4.1 Recipient address rejected: Access denied. AS(201806281)", FAIL),
    # a group that takes mail from authenticated (internal) senders only: that recipient, not us
    (550, "5.7.1 RESOLVER.RST.AuthRequired; authentication required", FAIL),
    (
        550,
        "5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; sender not "
        "authenticated for group",
        FAIL,
    ),
    # -- Gmail / Google Workspace --------------------------------------------------------------
    (
        550,
        "5.7.0 Mail relay denied [192.0.2.7]. Invalid credentials for relay for one of the domains in: "
        "sender.example (as obtained from HELO and MAIL FROM).",
        PAUSE,
    ),
    (
        550,
        "5.7.1 Invalid credentials for relay [192.0.2.7]. The IP address you've registered in your "
        "Workspace SMTP Relay service doesn't match domain of the account this email is being sent from.",
        PAUSE,
    ),
    (
        550,
        "5.1.1 The email account that you tried to reach does not exist. Please try double-checking the "
        "recipient's email address for typos or unnecessary spaces.",
        BOUNCE,
    ),
    (550, "5.2.1 The email account that you tried to reach is disabled.", BOUNCE),
    (
        550,
        "5.7.1 The user or domain that you are sending to (or from) has a policy that prohibited the mail "
        "that you sent.",
        FAIL,
    ),
    (
        550,
        "5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all "
        "senders to authenticate with either SPF or DKIM.",
        FAIL,
    ),
    # -- authentication, without or with an enhanced code ---------------------------------------
    (550, "Authentication required", PAUSE),
    (550, "5.7.0 Authentication required", PAUSE),
    (550, "5.7.1 Authentication required", PAUSE),
    (550, "5.7.8 Error: authentication failed", PAUSE),
    (550, "5.7.8 Authentication credentials invalid", PAUSE),
    # -- X.7.1 with nothing to say who is refused: this message only ----------------------------
    (550, "5.7.1", FAIL),
    (554, "5.7.1 Delivery not authorized, message refused", FAIL),
]


@pytest.mark.parametrize(("code", "text", "expected"), RCPT_CASES)
def test_rcpt_refusal_names_who_is_refused(code, text, expected):
    result = classify("rcpt", code, text)
    assert (result.outcome, result.bounce, result.pause_relay) == expected
    assert not result.relay_only  # the message was offered: the dispatcher's FAILED+pause path applies


DATA_END_CASES = [
    # one recipient per message: an enhanced "no such mailbox" code after the dot is about it
    (550, "5.1.1 User unknown", BOUNCE),
    (550, "5.1.1 <kunde@example.com>: Recipient address rejected: User unknown", BOUNCE),
    (550, "5.1.2 Bad destination system address", BOUNCE),
    (550, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found", BOUNCE),
    (550, "5.2.1 The email account that you tried to reach is disabled.", BOUNCE),
    (553, "5.1.3 bad address", BOUNCE),
    # without an enhanced code the reply may be about the content: no bounce
    (550, "No such user here", FAIL),
    (550, "mailbox unavailable", FAIL),
    (554, "Transaction failed", FAIL),
    # content policy and size stay as they were
    (554, "5.7.1 Message rejected as spam", FAIL),
    (550, "5.7.1 Message rejected by corporate policy", FAIL),
    (552, "5.3.4 Message size exceeds fixed limit", FAIL),
    (552, "5.2.2 mailbox full", FAIL),
    (554, "5.4.6 Too many hops", FAIL),
    # about our sender, not the recipient: no bounce
    (550, "5.1.8 Access denied, bad outbound sender", FAIL),
    (550, "5.1.7 Sender address rejected", FAIL),
    # a quota is ours, whatever the code says
    (550, "5.1.1 Recipient address rejected: hourly limit reached for this sender", PAUSE),
]


@pytest.mark.parametrize(("code", "text", "expected"), DATA_END_CASES)
def test_data_end_bounces_only_on_an_enhanced_no_such_mailbox_code(code, text, expected):
    result = classify("data_end", code, text)
    assert (result.outcome, result.bounce, result.pause_relay) == expected


@pytest.mark.parametrize(
    ("phase", "code", "text", "expected"),
    [
        # MAIL: a refusal of our sender without an enhanced code pauses like 5.7.x does
        ("mail", 550, "sender blocked", PAUSE),
        ("mail", 553, "5.1.8 <mailer@sender.example>: Sender address rejected: Domain not found", PAUSE),
        ("mail", 550, "5.7.1 Sender address rejected: not owned by user", PAUSE),
        ("mail", 552, "5.3.4 Message size exceeds fixed limit", FAIL),
        # transient refusals of us: retried, but the run stops (every message would get the same)
        ("rcpt", 450, "4.7.1 Client host rejected: cannot find your hostname, [192.0.2.7]", (R, False, True)),
        ("rcpt", 454, "4.7.1 <kunde@example.com>: Relay access denied", (R, False, True)),
        ("rcpt", 451, "4.7.1 Greylisted, try again later", (R, False, False)),
        ("rcpt", 450, "4.2.0 <kunde@example.com>: Recipient address rejected: Greylisted", (R, False, False)),
        (
            "rcpt",
            450,
            "4.1.1 <kunde@example.com>: Recipient address rejected: unverified address",
            (R, False, False),
        ),
        # before the message is offered nothing changes: relay_only, pause
        ("auth", 535, "5.7.8 Authentication credentials invalid", PAUSE),
        ("data", 554, "5.5.1 No valid recipients", FAIL),
    ],
)
def test_other_phases(phase, code, text, expected):
    result = classify(phase, code, text)
    assert (result.outcome, result.bounce, result.pause_relay) == expected


REFUSALS_OF_US = [
    (550, "relay not permitted"),
    (554, "5.7.1 Relay access denied"),
    (550, "Requested action not taken: mailbox unavailable (sender blocked)"),
]


@pytest.mark.parametrize("phase", ["mail", "rcpt", "data", "data_end"])
def test_a_relay_refusal_never_bounces_in_any_phase(phase):
    for code, text in REFUSALS_OF_US:
        assert not classify(phase, code, text).bounce, (phase, code, text)


def test_sender_status_codes_are_not_the_recipients_mailbox():
    """RFC 3463 X.1.7 / X.1.8 are the sender's address (also used when importing bounce reports)."""
    assert mailbox_gone((5, 1, 1)) and mailbox_gone((5, 1, 10)) and mailbox_gone((5, 2, 1))
    assert not mailbox_gone((5, 1, 7)) and not mailbox_gone((5, 1, 8)) and not mailbox_gone((5, 1, 90))


def test_refuses_us_reads_the_wording_only_where_the_code_does_not_decide():
    assert refuses_us((5, 7, 8), "whatever")  # our credentials, whatever the text
    assert not refuses_us((5, 7, 26), "sender not authenticated")  # per receiving domain (DMARC)
    assert refuses_us(None, "RELAY NOT PERMITTED")
    assert not refuses_us(None, "User unknown in relay recipient table")
    assert not refuses_us((5, 7, 1), "Recipient address rejected: sender blocked for this list")
