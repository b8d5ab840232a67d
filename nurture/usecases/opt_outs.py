"""Opt-outs and bounces that arrive as mail, read from an export of the inbox the replies go to.

Every message offers `mailto:` unsubscribing (the sender's or reply-to address, subject
"unsubscribe"), contacts answer "bitte abmelden", a relay that accepted a message reports
later that the mailbox does not exist (a delivery status notification, RFC 3464), and mailbox
providers forward complaints (an abuse report, RFC 5965). All of that lands in the seller's
inbox, which nurture does not read, while opt-out is sacred (product rule 5). So
`nurture unsubscribe --import PATH` reads an mbox or Maildir export of that inbox:

- a complaint, or an unsubscribe request from a contact's address: the contact is opted out for
  good and its open messages are cancelled, as with `nurture unsubscribe EMAIL`;
- a report that a contact's mailbox does not exist (status 5.1.x, or 5.2.1 "disabled"): the
  contact is marked bounced, as when the relay refuses the address at once;
- any other permanent failure (a spam block, 5.7.x) says nothing about the address: listed only.

A request is recognised by its subject or by the first lines the contact wrote (the quoted
original, which carries nurture's own footer with "abmelden" in it, never counts).
Automatic replies (out of office) are no requests. Nothing is guessed the other way: an opt-out
that is not recognised stays in the inbox for a person, and the summary says what was done to
whom and from which mail, so a wrong match can be seen. Reading an export again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html import unescape
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.importing import ImportDefaults
from nurture.adapters.db.tables import Contact
from nurture.adapters.mail_export import export_mails
from nurture.domain.email_address import InvalidEmail, normalise_email
from nurture.outbox.policy import enhanced_code, mailbox_gone
from nurture.usecases.unsubscribe import keep_address, unsubscribe_contact

# Subject words (after Re:/AW:/Fwd: …): the mailto link's "unsubscribe" and what people write.
_SUBJECT_ASK = re.compile(
    r"\b(unsubscribe|abmelden|abmeldung|austragen|abbestellen|opt[ -]?out|stop|remove me|"
    r"keine (weiteren )?(e-?mails|mails|nachrichten|newsletter))\b",
    re.IGNORECASE,
)
# In the body only unmistakable phrases: "stop" alone is too common a word there.
_BODY_ASK = re.compile(
    r"\b(unsubscribe|abmelden|austragen|abbestellen|opt[ -]?out|remove me|"
    r"keine (weiteren |e-?mails? |mails? )*(e-?mails|mails|nachrichten|zusendungen|post) mehr|"
    r"keine (weiteren )?(e-?mails|mails|nachrichten|zusendungen)|"
    r"no (more|further) (e-?mails|mails|messages)|(do not|don't) (e-?mail|contact|write to) me)\b",
    re.IGNORECASE,
)
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|fwd?|wg|sv|antw|tr|rif|r)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# Where the contact's own words end: the quoted original, a forwarded header block, a signature.
_QUOTE_START = re.compile(
    r"^\s*(>|-{2,}\s*(original|ursprüngliche|forwarded|weitergeleitete)|-- $|"
    r"(on|am) .{4,200}(wrote|schrieb)\s*:?\s*$|(von|from|gesendet|sent|an|to|betreff|subject)\s*:\s)",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
_HTML_QUOTE = re.compile(r"<(blockquote|div[^>]*(gmail_quote|divRplyFwdMsg|moz-cite-prefix|OutlookMessageHeader))",
                         re.IGNORECASE)  # fmt: skip
_OWN_LINES = 20  # how far into a reply a request is looked for


@dataclass(frozen=True)
class Finding:
    """What one mail says about one address."""

    kind: str  # unsubscribe | complaint | bounce | failure
    address: str
    detail: str


def findings(msg: EmailMessage) -> list[Finding]:
    """What a mail of the inbox asks for: reports first (they are automatic), then a person's request."""
    if msg.get_content_type() == "multipart/report":
        report = (msg.get_param("report-type") or "").lower()
        if report == "delivery-status":
            return _delivery_failures(msg)
        if report == "feedback-report":
            return _complaints(msg)
        return []
    if _automatic(msg):
        return []
    sender = _address(parseaddr(str(msg.get("From", "")))[1])
    if sender is None:
        return []
    subject = _REPLY_PREFIX.sub("", str(msg.get("Subject", "")))
    asked = _SUBJECT_ASK.search(subject)
    if asked:
        return [Finding("unsubscribe", sender, f"the subject says {subject.strip()[:80]!r}")]
    own = _own_words(msg)
    asked = _BODY_ASK.search(own)
    if asked:
        return [Finding("unsubscribe", sender, f"the mail says {asked.group(0)!r}")]
    return []


def _address(text: str) -> str | None:
    try:
        return normalise_email(text.strip().strip("<>"))
    except InvalidEmail:
        return None


def _automatic(msg: EmailMessage) -> bool:
    """An out-of-office or other automatic reply (RFC 3834 and what Exchange writes instead)."""
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return True
    if msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("X-Auto-Response-Suppress"):
        return True
    return str(msg.get("Precedence", "")).strip().lower() in ("auto_reply", "bulk", "junk", "list")


def _own_words(msg: EmailMessage) -> str:
    """The first lines the writer wrote above any quote, as plain text."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(text, str):
        return ""
    if part.get_content_type() == "text/html":
        quote = _HTML_QUOTE.search(text)
        if quote:
            text = text[: quote.start()]
        text = unescape(_TAG.sub("\n", re.sub(r"(?i)<br\s*/?>", "\n", text)))
    own: list[str] = []
    for line in text.splitlines():
        if _QUOTE_START.match(line):
            break
        if line.strip():
            own.append(line.strip())
        if len(own) >= _OWN_LINES:
            break
    return " ".join(own)


def _report_blocks(part: Any) -> list[Any]:
    payload = part.get_payload()
    return payload if isinstance(payload, list) else []


def _recipient(block: Any) -> str | None:
    for name in ("Final-Recipient", "Original-Recipient"):
        value = str(block.get(name, ""))
        kind, _, addr = value.partition(";")
        if addr and kind.strip().lower() == "rfc822":
            found = _address(addr)
            if found is not None:
                return found
    return None


def _delivery_failures(msg: EmailMessage) -> list[Finding]:
    """The recipients a delivery status notification reports as failed for good."""
    found: list[Finding] = []
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _report_blocks(part)[1:]:  # the first block is about the message, the rest per recipient
            if str(block.get("Action", "")).strip().lower() != "failed":
                continue  # delayed, delivered, relayed: nothing to act on
            address = _recipient(block)
            if address is None:
                continue
            status = str(block.get("Status", "")).strip()
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
            code = enhanced_code(status) or enhanced_code(diagnostic.partition(";")[2])
            if code is None or code[0] != 5:
                continue  # not a permanent failure (or none said): the relay will try again or tell
            said = f"{'.'.join(map(str, code))} {diagnostic}".strip()[:300]
            found.append(Finding("bounce" if mailbox_gone(code) else "failure", address, said))
    return found


def _complaints(msg: EmailMessage) -> list[Finding]:
    """The recipient a complaint (abuse report) is about: the To of the reported message."""
    addresses: list[str] = []
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/feedback-report":
            for block in _report_blocks(part):
                found = _address(str(block.get("Original-Rcpt-To", "")))
                if found is not None:
                    addresses.append(found)
        elif kind in ("message/rfc822", "text/rfc822-headers") and not addresses:
            reported = part.get_payload(0) if kind == "message/rfc822" else None
            if reported is None:
                raw = part.get_payload(decode=True) or b""
                reported = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
            for _name, addr in getaddresses([str(v) for v in reported.get_all("To", [])]):
                found = _address(addr)
                if found is not None:
                    addresses.append(found)
    feedback = str(msg.get("Subject", ""))[:80]
    return [Finding("complaint", a, f"a complaint report ({feedback!r})") for a in dict.fromkeys(addresses)]


def import_opt_outs(
    factory: sessionmaker[Session],
    path: Path,
    now: datetime,
    actor: str,
    defaults: ImportDefaults | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, object]:
    """Act on the opt-outs and bounces in an inbox export; the summary names every change and where it came from.

    With `defaults`, an address that asks to opt out but is no contact yet is kept, unsubscribed
    (`keep_address`), so a later import cannot mail it.
    """
    parser = BytesParser(policy=policy.default)
    with factory() as session:
        contacts = {e: (i, u, b) for i, e, u, b in session.execute(
            select(Contact.id, Contact.email, Contact.unsubscribed, Contact.bounced).where(Contact.email.is_not(None)))}  # fmt: skip
    counts = {"mails": 0, "unsubscribed": 0, "bounced": 0, "already": 0}
    done: list[str] = []
    other_failures: list[str] = []
    strangers: set[str] = set()
    problems: list[str] = []
    for mail, found in _read(export_mails(path), parser, problems):
        counts["mails"] += 1
        if progress is not None:
            progress(counts["mails"])
        for f in found:
            known = contacts.get(f.address)
            if known is None and defaults is not None and f.kind in ("unsubscribe", "complaint"):
                keep_address(factory, f.address, now, actor, defaults)
                view, _ = unsubscribe_contact(factory, f.address, now, actor, f"{f.kind} by mail: {mail}"[:500])
                contacts[f.address] = (view.id, True, False)
                counts["unsubscribed"] += 1
                done.append(f"{mail}: {f.address} unsubscribed; not imported yet, so kept as contact {view.id} "
                            f"that no import can mail ({f.detail})")  # fmt: skip
                continue
            if known is None:
                strangers.add(f.address)
                continue
            cid, unsubscribed, bounced = known
            if f.kind == "failure":
                other_failures.append(f"{mail}: {f.address}: {f.detail} (not about the address; the contact stays)")
            elif f.kind == "bounce":
                if bounced:
                    counts["already"] += 1
                    continue
                with factory() as session, session.begin():
                    ContactStore(session).mark_bounced(cid, now, f"bounce report: {f.detail}")
                contacts[f.address] = (cid, unsubscribed, True)
                counts["bounced"] += 1
                done.append(f"{mail}: {f.address} marked bounced ({f.detail})")
            else:
                if unsubscribed:
                    counts["already"] += 1
                    continue
                _view, cancelled = unsubscribe_contact(factory, cid, now, actor, f"{f.kind} by mail: {mail}"[:500])
                contacts[f.address] = (cid, True, bounced)
                counts["unsubscribed"] += 1
                done.append(f"{mail}: {f.address} unsubscribed, {cancelled} open message(s) cancelled ({f.detail})")
    result: dict[str, object] = dict(counts)
    if done:
        result["changes"] = done
    if other_failures:
        result["other_failures"] = other_failures
    if strangers:
        result["not_contacts"] = len(strangers)
        result["not_contacts_sample"] = sorted(strangers)[:10]
    if problems:
        result["problems"] = problems
        result["unread"] = len(problems)
    return result


def _read(mails: Iterator[Any], parser: BytesParser, problems: list[str]) -> Iterator[tuple[str, list[Finding]]]:
    for mail in mails:
        if mail.problem is not None:
            problems.append(f"{mail.where}: {mail.problem}")
            yield mail.where, []
            continue
        try:
            msg = parser.parsebytes(mail.raw)
            found = findings(msg)  # type: ignore[arg-type]
        except Exception as exc:  # one malformed mail must not stop the opt-outs of the others
            problems.append(f"{mail.where}: could not be read ({exc.__class__.__name__}: {exc}); skipped")
            yield mail.where, []
            continue
        yield mail.where, found
