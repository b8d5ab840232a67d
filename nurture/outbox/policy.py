"""What an SMTP reply means for one message: sent, retry later, failed for good, or uncertain.

Pure functions, table-tested. The rules follow RFC 5321 §4.2.1 (the first digit decides
transient versus permanent), RFC 3463 (enhanced codes: X.1.x and X.2.1 name a bad mailbox,
X.7.x a policy problem on the sender's side) and RFC 1047 / RFC 5321 §6.1: a reply lost after
the final dot of DATA leaves the message possibly delivered, so it must not be resent blindly.

Who a permanent refusal is about decides what happens (nurture sends one recipient per message):

* the **recipient's mailbox** does not exist: ``bounce`` (the contact is marked bounced);
* **we** are refused (the relay will not relay for us, our client host, our envelope sender or
  our login is refused): ``pause_relay`` and never ``bounce``. The dispatcher stops the run and
  the message waits without spending an attempt (``_record_unsent``: FAILED with pause_relay),
  because every other message would be refused alike;
* anything else (the recipient's organisation refuses us, the content, a full mailbox): FAILED
  for this message only, no bounce, no pause.

Decided cases (phase, reply → outcome, bounce, pause_relay), tested in tests/unit/test_policy*.py:

====================================================================  =======  ======  =====
reply (phase rcpt unless said otherwise)                              outcome  bounce  pause
====================================================================  =======  ======  =====
550 5.1.1 User unknown / 550 5.1.10 (null MX) / 550 5.2.1 disabled    FAILED   yes     no
550 No such user here / 550 mailbox unavailable (no enhanced code)    FAILED   yes     no
553 5.1.3 bad address / 551 User not local                            FAILED   yes     no
550 relay not permitted (Exim, no enhanced code)                      FAILED   no      yes
550 Requested action not taken: mailbox unavailable (sender blocked)  FAILED   no      yes
554 5.7.1 <x>: Relay access denied (Postfix), 550 5.7.1 Relaying      FAILED   no      yes
denied (Sendmail), 550 5.7.1 Unable to relay / 5.7.54 / 5.7.64 (M365)
550 5.7.0 Mail relay denied / Invalid credentials for relay (Gmail)   FAILED   no      yes
553 ... allowed rcpthosts (#5.7.1) (qmail; the code trails the text)  FAILED   no      yes
550 5.7.1 Client host rejected / Client host [ip] blocked using ...   FAILED   no      yes
554 5.7.1 <x>: Sender address rejected: Access denied (Postfix checks FAILED   no      yes
the client and sender at RCPT by default, smtpd_delay_reject)
550 5.7.0/5.7.1 Authentication required, 5.7.57 Client not            FAILED   no      yes
authenticated; any 5.7.8-5.7.14 (RFC 4954/5248: our login, TLS)
553 5.1.7 / 5.1.8 (RFC 3463 "bad *sender's* address", M365 "bad       FAILED   no      yes
outbound sender"): about our envelope sender, not the recipient
550 5.7.1 Recipient address rejected: Access denied (M365, Postfix)   FAILED   no      no
550 5.7.1 RESOLVER.RST... authentication required / sender not        FAILED   no      no
authenticated for group (M365: *that recipient* only takes internal mail)
550 5.7.1 (no words), 5.7.1 "the user or domain ... has a policy"     FAILED   no      no
5.7.23-5.7.27 SPF/DKIM/DMARC/reverse DNS (RFC 7372): the recipient's  FAILED   no      no
domain checks us; other domains may take the mail, so no pause
552 5.2.2 Mailbox full (RFC 3463: persistent transient)               FAILED   no      no
450 4.7.1 Client host rejected / 454 4.7.1 Relay access denied        RETRY    no      yes
451 4.7.1 Greylisted                                                  RETRY    no      no
data_end: 550 5.1.1 User unknown / 5.1.2 / 5.1.10 / 5.2.1             FAILED   yes     no
data_end: 550 No such user here (no enhanced code: maybe the content) FAILED   no      no
data_end: 554 5.7.1 Message rejected as spam (content policy)         FAILED   no      no
mail: 553 5.7.1 Sender address rejected / 550 sender blocked          FAILED   no      yes
====================================================================  =======  ======  =====

RFC 3463 defines X.7.1 as "delivery not authorized, message refused": it does not say by whom,
so for X.7.x (and for replies without an enhanced code) the wording decides: about relaying,
our client host or IP, our sender or authentication → pause; a reply naming the recipient
("Recipient address rejected", M365 RESOLVER.RST/RESOLVER.ADR) → not about us, no pause.
Relay wording always pauses (M365 5.7.54 "Unable to relay recipient in non-accepted domain").
"""

from __future__ import annotations

import enum
import random
import re
from dataclasses import dataclass
from datetime import timedelta

PHASES = ("connect", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "data_end")

_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
# Whole words where a word could hide inside another ("rate" in "corporate", "too many" in
# "too many hops"); substrings where relays glue words together ("SubmissionQuotaExceeded").
_RATE_WORDS = re.compile(
    r"\brate(?:d|-?limit\w*)?\b|quota|throttl|limit exceeded|sending limit|\b(?:daily|hourly) limit\b"
    r"|\btoo many (?:messages|mails|e-?mails|connections|sessions|requests|commands)\b"
)
# The relay refuses to relay for us. Postfix "Relay access denied", Exim "relay not permitted",
# Sendmail "Relaying denied", M365 "Unable to relay", Gmail "Mail relay denied" / "Invalid
# credentials for relay", qmail "not in my list of allowed rcpthosts" / "allowed to be relayed".
# Not a bare "relay": Postfix says "User unknown in relay recipient table" for a missing mailbox.
_RELAY_WORDS = re.compile(
    r"\brelay(?:ing)?(?: access)? (?:is |has been )?"
    r"(?:denied|not permitted|not allowed|prohibited|refused|rejected|disabled|forbidden)\b"
    r"|\b(?:unable|not permitted|not allowed|not authori[sz]ed|cannot|can ?not|can't|will not|won't"
    r"|do not|don't|does not) (?:to )?relay\b"
    r"|\bno relaying\b|\brelaying to \S+ (?:is )?(?:denied|not permitted|not allowed|prohibited)\b"
    r"|\bcredentials for relay\b|\ballowed rcpthosts\b|\ballowed to be relayed\b"
)
# Our envelope sender, our client host or IP, our login (Postfix "Sender address rejected",
# "Client host rejected", M365 "Client not authenticated", "banned sending IP").
_US_WORDS = re.compile(
    r"\bsender(?: address| domain)? (?:\[[^\]]*\] |<[^>]*> )?(?:is |has been |was )?"
    r"(?:rejected|blocked|denied|refused|banned|blacklisted"
    r"|not (?:allowed|permitted|authori[sz]ed|accepted|owned)|verify failed|verification failed)\b"
    r"|\bblocked sender\b|\bnot owned by (?:the )?(?:user|sender)\b|\bbad outbound sender\b"
    r"|\bsend(?:ing)? as this sender\b"
    r"|\bclient host\b|\bclient (?:ip|address)\b"
    r"|\bclient (?:is |was )?not (?:authenticated|authori[sz]ed|permitted|allowed)\b"
    r"|\bclient does not have permission|\bsending ip\b|\bfrom this ip\b|\byour ip\b"
    r"|\b(?:smtp )?auth(?:entication)? (?:is )?(?:required|needed)\b|\bmust (?:first )?authenticate\b"
    r"|\bplease authenticate\b|\bnot authenticated\b|\bproper authentication\b|\bauthentication failed\b"
)
# The reply names the recipient as the one who refuses (its organisation's policy, a group that
# takes internal mail only): other recipients are fine, so the relay is not paused for it.
_RECIPIENT_WORDS = re.compile(
    r"\brecipient address rejected\b|\bresolver\.(?:rst|adr)\.|\bfor (?:this |the )?group\b"
)
# RFC 3463 X.1.7 / X.1.8: the *sender's* address is bad. RFC 4954 / RFC 5248 X.7.8-X.7.14:
# our credentials, mechanism, encryption or account. Either way every message would fail alike.
_OUR_STATUS = {(1, 7), (1, 8), (7, 8), (7, 9), (7, 10), (7, 11), (7, 12), (7, 13), (7, 14)}
# RFC 7372 X.7.23-X.7.27: the receiving domain's SPF/DKIM/DMARC/reverse-DNS checks of our mail.
# About us, but per receiving domain: other recipients may be fine, so no pause (no bounce).
_DOMAIN_CHECKS = {(7, 23), (7, 24), (7, 25), (7, 26), (7, 27)}
# After the final dot a reply is only taken as "no such mailbox" with one of these enhanced
# codes (RFC 3463 X.1.1 bad mailbox, X.1.2 bad system, X.1.3 bad syntax, X.1.6 moved, X.1.10
# null MX, X.2.1 disabled); one recipient per message makes it about that recipient.
_NO_SUCH_MAILBOX = {(1, 1), (1, 2), (1, 3), (1, 6), (1, 10), (2, 1)}
# Control characters a reply may carry: PostgreSQL refuses NUL in text, and none of them belong
# in a reason shown to people.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_TEXT = 2000  # a reply is stored and shown in full up to this length


class Outcome(enum.Enum):
    """The fate of one delivery attempt."""

    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    UNCERTAIN = "uncertain"  # the reply after DATA was lost: the server may hold the message


@dataclass(frozen=True)
class DeliveryResult:
    """One attempt's outcome with the server's reply (``code`` None: no reply at all)."""

    outcome: Outcome
    code: int | None
    text: str
    bounce: bool = False  # the recipient's mailbox does not exist: mark the contact bounced
    pause_relay: bool = False  # the relay itself is unhappy: stop using it for a while
    # The failure came before this message was offered (no connection, greeting, TLS, AUTH): it
    # says nothing about the message, so it must not use up one of the message's attempts.
    relay_only: bool = False

    def __post_init__(self) -> None:
        # The text comes from the relay: it must be storable and readable whatever bytes it sent.
        object.__setattr__(self, "text", printable(self.text))


def printable(text: str) -> str:
    """Reply text that any database stores and a person can read.

    aiosmtplib decodes invalid UTF-8 with ``surrogateescape``; such lone surrogates cannot be
    encoded when the text is written to the database, so the whole batch's record would fail.
    They become U+FFFD, control characters a space, and an endless reply is cut short.
    """
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "replace")
    text = _CONTROL.sub(" ", raw.decode("utf-8", "replace"))
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return text


def enhanced_code(text: str) -> tuple[int, int, int] | None:
    """The RFC 3463 enhanced status code at the start of a reply text, e.g. (5, 1, 1)."""
    match = _ENHANCED.search(text[:32])
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def mailbox_gone(enhanced: tuple[int, int, int]) -> bool:
    """A permanent status about the address itself (RFC 3463 X.1.x "bad address", X.2.1 "disabled").

    X.1.7 and X.1.8 are the *sender's* address (RFC 3463 "bad sender's mailbox address syntax",
    "bad sender's system address"; Microsoft 550 5.1.8 "bad outbound sender"), and Microsoft's
    5.1.90 is the sender's daily limit: none of them is the recipient's mailbox.
    """
    return (enhanced[1] == 1 and enhanced[1:] not in ((1, 7), (1, 8), (1, 90))) or enhanced[1:] == (2, 1)


def refuses_us(enhanced: tuple[int, int, int] | None, text: str) -> bool:
    """Whether a reply refuses the sender side (relaying, our client, envelope sender or login).

    Such a refusal is no fault of the recipient (never a bounce) and every other message would
    meet it too (pause the relay). See the module docstring for the decided cases.
    """
    if enhanced is not None:
        if enhanced[1:] in _OUR_STATUS:
            return True
        if enhanced[1:] in _DOMAIN_CHECKS:
            return False
    lowered = text.lower()
    if _RELAY_WORDS.search(lowered):
        return True
    if _RECIPIENT_WORDS.search(lowered):
        return False
    return _US_WORDS.search(lowered) is not None


def _is_rate_limit(enhanced: tuple[int, int, int] | None, text: str) -> bool:
    if enhanced is not None and enhanced[1:] == (7, 28):
        return True
    if enhanced is not None and enhanced[1:] == (4, 5):
        return True  # Gmail 550 5.4.5 "daily user sending limit exceeded"
    if enhanced is not None and enhanced[1:] == (1, 90):
        return True  # Microsoft 550 5.1.90 "reached your daily limit for message recipients": ours, not theirs
    if enhanced is not None and enhanced[1:] == (2, 2):
        # "Mailbox full" (RFC 3463): the recipient's quota (Gmail 552 5.2.2 "over quota"), not ours.
        return False
    return _RATE_WORDS.search(text.lower()) is not None


def classify(phase: str, code: int | None, text: str) -> DeliveryResult:
    """Map a reply (or its absence) in ``phase`` to what happens with the message.

    ``code`` None means the connection failed, was dropped or timed out. Before the final dot
    of DATA that is harmless (nothing was accepted), so it is retried; afterwards (phase
    ``data_end``) the server may already have queued the message, so it is UNCERTAIN.
    """
    if phase not in PHASES:
        raise ValueError(f"unknown SMTP phase {phase!r}")
    text = " ".join(printable(text).split())
    relay_only = phase in ("connect", "ehlo", "starttls", "auth")
    if code is not None and code < 0:
        code = None  # aiosmtplib's -1: the reply could not be read at all (garbled, endless)
    if code is None:
        if phase == "data_end":
            # Lost, late or unreadable: the relay has the whole message and may have queued it.
            return DeliveryResult(Outcome.UNCERTAIN, None, text or "no reply after the message was sent")
        return DeliveryResult(Outcome.RETRY, None, text or "connection problem", pause_relay=True, relay_only=relay_only)

    enhanced = enhanced_code(text)
    if 200 <= code < 300 and phase == "data_end":
        return DeliveryResult(Outcome.SENT, code, text)
    if phase == "data_end" and not 400 <= code < 600:
        # Neither accepted nor refused (a 1xx/3xx/6xx code, a garbled or endless line): the relay
        # has the whole message and may have queued it, so a resend could deliver it twice.
        return DeliveryResult(Outcome.UNCERTAIN, code, f"unexpected reply after the message was sent: {text}")
    if code < 400:
        # A positive reply where an error path was taken: the dialogue is out of step.
        return DeliveryResult(Outcome.RETRY, code, text, pause_relay=True, relay_only=relay_only)
    if code == 421:
        return DeliveryResult(Outcome.RETRY, code, text, pause_relay=True, relay_only=relay_only)
    if code < 500:
        # Postfix 450 4.7.1 "Client host rejected", 454 4.7.1 "Relay access denied": retried, but
        # the run stops, as every other message would get the same reply.
        paused = (
            relay_only
            or _is_rate_limit(enhanced, text)
            or (phase in ("mail", "rcpt") and refuses_us(enhanced, text))
        )
        return DeliveryResult(Outcome.RETRY, code, text, pause_relay=paused, relay_only=relay_only)
    if code >= 600:
        return DeliveryResult(Outcome.FAILED, code, text, pause_relay=True, relay_only=relay_only)

    # Permanent replies.
    if relay_only or code in (530, 534, 535, 538):
        # The relay refuses us, not this message: every other message would fail the same way.
        return DeliveryResult(Outcome.FAILED, code, text, pause_relay=True, relay_only=relay_only)
    if phase == "rcpt":
        if code == 552 and (enhanced is not None and enhanced[1:] == (5, 3) or "too many" in text.lower()):
            # RFC 5321 §4.5.3.1.10: "too many recipients" is to be treated as temporary.
            return DeliveryResult(Outcome.RETRY, code, text)
        if _is_rate_limit(enhanced, text) or refuses_us(enhanced, text):
            # A sending quota (Gmail 550 5.4.5 "daily user sending limit exceeded") or a refusal
            # of us (relaying, client host, sender, login): the recipient is fine, and every other
            # message would be refused alike. Checked before the mailbox: "550 Requested action not
            # taken: mailbox unavailable (sender blocked)" is about our sender, not the mailbox.
            return DeliveryResult(Outcome.FAILED, code, text, pause_relay=True)
        if enhanced is not None:
            return DeliveryResult(Outcome.FAILED, code, text, bounce=mailbox_gone(enhanced))
        return DeliveryResult(Outcome.FAILED, code, text, bounce=code in (550, 551, 553))
    rate_limited = _is_rate_limit(enhanced, text)
    sender_side = phase == "mail" and (
        enhanced is not None and enhanced[1] == 7 or refuses_us(enhanced, text)
    )
    # After the final dot only an enhanced "no such mailbox" code is taken as a bounce (a relay
    # that accepts RCPT and checks the mailbox later); a bare 550 there may be about the content.
    gone = (
        phase == "data_end"
        and enhanced is not None
        and enhanced[1:] in _NO_SUCH_MAILBOX
        and not rate_limited
        and not refuses_us(enhanced, text)
    )
    return DeliveryResult(Outcome.FAILED, code, text, bounce=gone, pause_relay=sender_side or rate_limited)


def retry_delay(
    attempt: int, base: timedelta, rng: random.Random, cap: timedelta = timedelta(hours=6)
) -> timedelta:
    """Exponential backoff with jitter: a random point in [d/2, d], d = min(cap, base * 2**(attempt-1)).

    The lower half is kept fixed (rather than full jitter from zero) so a greylisting relay is
    never hit again after a few seconds; the random half spreads retries of many messages.
    """
    exponent = min(max(attempt, 1) - 1, 60)
    seconds = min(cap.total_seconds(), base.total_seconds() * 2.0**exponent)
    return timedelta(seconds=rng.uniform(seconds / 2, seconds))
