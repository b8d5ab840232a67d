"""Why a send run stopped, in plain words with what to fix, and what the run left behind.

The dispatcher reports a relay that refuses us or cannot be reached as an error line of its
summary ("relay asked to pause: 535 5.7.8 …") and stops the run; its messages wait, none is
lost. An operator needs more than the relay's words: which setting to check. `explain` turns
such a line into a `RelayTrouble` (what happened, the relay's reply, the fix) for `nurture send`,
the daemon's log and the error of the run `nurture status` shows; `after_run` says how many
approved messages still wait, how many of them the run never tried, and which ones failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from nurture.adapters.db.tables import DeliveryAttempt, Message, MessageLog

PAUSED = "relay asked to pause: "
# How many failed messages a report names one by one before "and N more".
NAMED = 5

_CODE = re.compile(r"^(\d{3})(?:[ -]+(.*))?$", re.S)
_CERTIFICATE = re.compile(r"certificate[_ ]verify[_ ]failed|hostname mismatch|ip address mismatch|self[- ]signed certificate"
                          r"|certificate has expired|unable to get local issuer")  # fmt: skip
_TLS = re.compile(r"\btls\b|\bssl\b|starttls|wrong[_ ]version[_ ]number|handshake")
# RFC 4954 / RFC 5248: 5.7.8 credentials invalid, 5.7.9-5.7.14 mechanism, encryption or account;
# M365 5.7.57 client not authenticated.
_LOGIN_STATUS = re.compile(r"(?<![\d.])5\.7\.(?:8|9|1[0-4]|57)(?![\d.])")
_LOGIN_WORDS = re.compile(r"\bauth(?:entication)? (?:is )?(?:required|needed)|must (?:first )?authenticate|not authenticated"
                          r"|authentication (?:failed|unsuccessful)|please authenticate|invalid (?:login|credentials)"
                          r"|username and password not accepted")  # fmt: skip
_NOT_REACHED = re.compile(
    r"connect call failed|connection refused|error connecting|timed out connecting|name or service not known"
    r"|nodename nor servname|name resolution|no address associated|getaddrinfo|no route to host"
    r"|network is unreachable|host is unreachable"
)
_LIMIT = re.compile(r"\brate\b|rate[- ]?limit|quota|throttl|limit exceeded|sending limit|daily limit|hourly limit"
                    r"|too many (?:messages|mails|e-?mails|connections|sessions|requests|commands|recipients)")  # fmt: skip


@dataclass(frozen=True)
class RelayTrouble:
    """One reason a send run stopped: what happened in plain words, the relay's reply, and what to do."""

    kind: str  # login | certificate | tls | unreachable | busy | limit | refused
    reply: str  # the relay's reply, or the connection error, as reported
    what: str  # what happened, in plain words
    fix: str  # what to do about it

    @property
    def sentence(self) -> str:
        """`what: reply`, one line."""
        return f"{self.what}: {self.reply}"

    @property
    def line(self) -> str:
        """What happened, the reply and the fix in one line (a log line, the error of a run)."""
        return f"{self.sentence} — {self.fix}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "reply": self.reply, "what": self.what, "fix": self.fix}


def explain(error: str, settings: Any) -> RelayTrouble | None:
    """A dispatcher error line read as a relay problem with its fix; None for a line about something else.

    `settings` gives the names the fix points at ([smtp] host, port, security, username and
    the password's variable, [sender] email).
    """
    if not error.startswith(PAUSED):
        return None
    reply = " ".join(error[len(PAUSED):].split()) or "no reply"
    smtp = settings.smtp
    lowered = reply.lower()
    match = _CODE.match(reply)
    code = int(match.group(1)) if match else None
    where = f"{smtp.host}:{smtp.port}"
    variable = smtp.password_env or "NURTURE_SMTP_PASSWORD"

    if _CERTIFICATE.search(lowered):
        return RelayTrouble("certificate", reply, "the relay's TLS certificate is not trusted",
                            f'check that [smtp] host ("{smtp.host}") is the name on the relay\'s certificate; a relay '
                            "whose certificate comes from a private CA needs that CA: point the environment variable "
                            "SSL_CERT_FILE at its certificate (PEM)")  # fmt: skip
    if code is None and ("does not offer auth" in lowered or "auth refused" in lowered):
        return RelayTrouble("login", reply, "the relay offers no login (AUTH) on this connection",
                            f'check [smtp] security ("{smtp.security}") and port ({smtp.port}): most relays offer '
                            'AUTH only after STARTTLS (security = "starttls", port 587) or on implicit TLS '
                            '(security = "tls", port 465)')  # fmt: skip
    if code is None and _TLS.search(lowered):
        return RelayTrouble("tls", reply, "TLS with the relay failed",
                            f'check [smtp] security ("{smtp.security}") and port ({smtp.port}): "tls" for implicit TLS '
                            '(usually port 465), "starttls" for port 587 or 25, "none" only for a relay on this host '
                            "or network")  # fmt: skip
    if code in (530, 534, 535, 538) or (code is not None and 500 <= code < 600 and (
        _LOGIN_STATUS.search(reply[:16]) or _LOGIN_WORDS.search(lowered)
    )):  # fmt: skip
        if not smtp.username:
            return RelayTrouble("login", reply, "the relay wants a login",
                                f"set [smtp] username and the password in the environment variable {variable} "
                                f"(or {variable}_FILE naming a file that holds it)")  # fmt: skip
        return RelayTrouble("login", reply, "the relay refused the login",
                            f"check the password in the environment variable {variable} (or the file "
                            f'{variable}_FILE names) and [smtp] username ("{smtp.username}")')  # fmt: skip
    if code is None:
        if _NOT_REACHED.search(lowered):
            return RelayTrouble("unreachable", reply, f"the relay at {where} cannot be reached",
                                f"check [smtp] host and port ({where}) and that the relay is up and reachable from "
                                "this machine (firewall, VPN)")  # fmt: skip
        return RelayTrouble("unreachable", reply, "the relay did not answer in time or dropped the connection",
                            "nothing to fix if it passes; if it keeps happening, check that the relay is up and "
                            f"[smtp] host and port ({where}) point at it")  # fmt: skip
    if not 500 <= code < 600:
        if _LIMIT.search(lowered):
            return _limit(reply)
        if 400 <= code < 500:
            return RelayTrouble("busy", reply, "the relay is busy and asks us to come back later",
                                "nothing to fix: the messages wait and go with a later run")  # fmt: skip
        return RelayTrouble("busy", reply, "the relay answered out of step",
                            f"nothing to fix if it passes; if it keeps happening, check that [smtp] port ({smtp.port}) "
                            "is the relay's SMTP port")  # fmt: skip
    if _LIMIT.search(lowered):
        return _limit(reply)
    sender = getattr(getattr(settings, "sender", None), "email", "") or ""
    return RelayTrouble("refused", reply, "the relay refuses to take mail from us",
                        "check that the relay lets this machine send (its login: [smtp] username and the password, "
                        f'or its list of allowed clients) and that [sender] email ("{sender}") is an address it lets '
                        "us send from")  # fmt: skip


def _limit(reply: str) -> RelayTrouble:
    return RelayTrouble("limit", reply, "the relay's sending limit is reached",
                        "the messages wait and go with a later run; lower [smtp] max_per_minute if your provider "
                        "allows fewer")  # fmt: skip


def relay_troubles(errors: Iterable[str], settings: Any) -> list[RelayTrouble]:
    """The distinct relay problems among a run's error lines, in the order they came."""
    seen: dict[tuple[str, str], RelayTrouble] = {}
    for error in errors:
        trouble = explain(error, settings)
        if trouble is not None:
            seen.setdefault((trouble.kind, trouble.reply), trouble)
    return list(seen.values())


@dataclass(frozen=True)
class AfterRun:
    """What a send run left behind."""

    waiting: int  # approved messages whose send time has come (due now or waiting for their retry)
    untried: int  # of those, the ones this run did not try to send
    failed: list[tuple[int, str]]  # (id, reason) of the first messages this run recorded as failed
    failed_count: int  # how many this run recorded as failed


def after_run(session: Session, worker: str, since: datetime, now: datetime) -> AfterRun:
    """The approved messages still waiting, those this run (`worker`, from `since`) never tried, what it failed."""
    came = and_(Message.status == "approved", Message.send_at <= now,
                or_(Message.expires_at.is_(None), Message.expires_at > now))  # fmt: skip
    waiting = int(session.scalar(select(func.count(Message.id)).where(came)) or 0)
    tried = select(DeliveryAttempt.message_id).where(DeliveryAttempt.worker == worker, DeliveryAttempt.started_at >= since)
    untried = int(session.scalar(select(func.count(Message.id)).where(came, Message.id.not_in(tried))) or 0)
    moved = (
        select(MessageLog.message_id)
        .where(MessageLog.actor == worker, MessageLog.to_status == "failed", MessageLog.at >= since)
        .distinct()
    )
    failed_query = select(Message.id, Message.reason).where(Message.id.in_(moved), Message.status == "failed")
    failed_count = int(session.scalar(select(func.count()).select_from(failed_query.subquery())) or 0)
    failed = [(mid, reason or "") for mid, reason in session.execute(failed_query.order_by(Message.id).limit(NAMED))]
    return AfterRun(waiting, untried, failed, failed_count)


def named(items: Sequence[str], total: int) -> list[str]:
    """The lines naming the first items, and "and N more" for the rest."""
    lines = list(items)
    if total > len(lines):
        lines.append(f"and {total - len(lines)} more")
    return lines
