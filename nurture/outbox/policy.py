"""What an SMTP reply means for one message: sent, retry later, failed for good, or uncertain.

Pure functions, table-tested. The rules follow RFC 5321 §4.2.1 (the first digit decides
transient versus permanent), RFC 3463 (enhanced codes: X.1.x and X.2.1 name a bad mailbox,
X.7.x a policy problem on the sender's side) and RFC 1047 / RFC 5321 §6.1: a reply lost after
the final dot of DATA leaves the message possibly delivered, so it must not be resent blindly.
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

    Microsoft's 5.1.90 is the sender's daily limit, not the recipient's mailbox.
    """
    return (enhanced[1] == 1 and enhanced[1:] != (1, 90)) or enhanced[1:] == (2, 1)


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
        paused = relay_only or _is_rate_limit(enhanced, text)
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
        if _is_rate_limit(enhanced, text):
            # A sending quota (Gmail 550 5.4.5 "daily user sending limit exceeded"): the recipient
            # is fine, the relay wants us to stop for a while.
            return DeliveryResult(Outcome.FAILED, code, text, pause_relay=True)
        if enhanced is not None:
            return DeliveryResult(Outcome.FAILED, code, text, bounce=mailbox_gone(enhanced))
        return DeliveryResult(Outcome.FAILED, code, text, bounce=code in (550, 551, 553))
    sender_side = enhanced is not None and enhanced[1] == 7 and phase == "mail"
    return DeliveryResult(
        Outcome.FAILED, code, text, pause_relay=sender_side or _is_rate_limit(enhanced, text)
    )


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
