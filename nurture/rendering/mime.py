"""The exact bytes of one outgoing e-mail, built once and sent (and signed) as they are.

The whole message is written here rather than by Python's ``email`` package, whose defaults
are wrong for a sender in several ways (found by experiment; the parser is still what the
tests read the bytes back with):

* ``EmailMessage`` adds neither ``Date`` nor ``Message-ID``; both are given by the caller, so a
  retry reuses the stored Message-ID and Date.
* The built-in ``"idna"`` codec is IDNA2003 (``straße.de`` becomes ``strasse.de``, another
  domain); domains go through the ``idna`` package (IDNA2008 with UTS #46) instead.
* Under ``policy.SMTP`` a non-ASCII local part is silently written as encoded-words inside the
  address, which is undeliverable; such a mail keeps its UTF-8 address and is flagged, so the
  transport can insist on the server's SMTPUTF8 support.
* The stdlib header folder loses the space after an encoded-word in many non-ASCII subjects,
  mangles display names with quotes or parentheses, exceeds the 75-character encoded-word
  limit and folds a long ``List-Unsubscribe`` URI into encoded-words (destroying it).
* Short UTF-8 bodies default to 8bit; bodies are quoted-printable here (``binascii``), so the
  message is 7-bit clean without relying on 8BITMIME. Building the body with ``EmailMessage``
  also took ≈ 2.5 ms a message, most of a send's CPU.

Contact data never reaches a header unchecked: CR, LF and other controls in names and the
subject collapse to spaces, and a malformed address raises :class:`HeaderInjection`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Protocol
from urllib.parse import quote

import idna

MAX_LINE = 998  # RFC 5322 §2.1.1, excluding CRLF

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LOCAL_ATOM = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7f])+"
_LOCAL_RE = re.compile(rf"{_LOCAL_ATOM}(?:\.{_LOCAL_ATOM})*")
_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_DOT_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
# RFC 5322 §3.6.4: parsers stop at anything else, e.g. read "<a(b)@c.de>" as "<a".
_MSGID_RE = re.compile(rf"<{_DOT_ATOM}@(?:{_DOT_ATOM}|\[[!-Z^-~]*\])>")
_URI_RE = re.compile(r"[!-;=?-~]+")  # printable ASCII without '<', '>' and spaces
_HEADER_NAME_RE = re.compile(r"[!-9;-~]+")
_RESERVED_HEADERS = frozenset(
    name.lower()
    for name in (
        "From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Subject", "Date", "Message-ID",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "List-Unsubscribe",
        "List-Unsubscribe-Post", "DKIM-Signature", "Return-Path", "X-Nurture-Test",
    )
)  # fmt: skip


class HeaderInjection(ValueError):
    """A value meant for a header or the envelope is malformed or would break out of its line."""


class MessageSigner(Protocol):
    """Anything that prepends a signature header to finished message bytes (e.g. DKIM)."""

    def sign(self, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class OutgoingMail:
    """Everything that goes into one message; built by the caller from a stored queue row."""

    from_name: str
    from_email: str
    to_name: str
    to_email: str
    reply_to: str | None
    subject: str
    text: str
    html: str | None
    message_id: str
    date: datetime
    list_unsubscribe_url: str | None = None
    list_unsubscribe_mailto: str | None = None
    test_banner: bool = False
    extra_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SerializedMail:
    """The wire bytes plus the envelope; ``smtputf8`` is set when an address needs RFC 6531."""

    data: bytes
    sender: str
    recipients: tuple[str, ...]
    smtputf8: bool


def clean_text(value: str) -> str:
    """One header-safe line: controls (CR, LF, TAB, NEL, U+2028 ...) and whitespace runs become one space."""
    return " ".join(_CONTROLS.sub(" ", value).split())


def to_ascii_domain(domain: str) -> str:
    """The A-label form of ``domain`` (IDNA2008 with UTS #46 mapping); raises HeaderInjection if invalid."""
    if (
        not isinstance(domain, str)
        or not domain
        or _CONTROLS.search(domain)
        or any(c.isspace() for c in domain)
    ):
        raise HeaderInjection(f"invalid domain {domain!r}")
    if domain.isascii():
        ascii_domain = domain.lower()
    else:
        try:
            ascii_domain = idna.encode(domain, uts46=True).decode("ascii").lower()
        except (idna.IDNAError, UnicodeError) as exc:
            raise HeaderInjection(f"invalid domain {domain!r}: {exc}") from None
    labels = ascii_domain.split(".")
    if len(ascii_domain) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise HeaderInjection(f"invalid domain {domain!r}")
    return ascii_domain


@functools.lru_cache(maxsize=4096)  # the sender's own addresses come with every message
def split_address(address: str, what: str = "e-mail") -> tuple[str, str]:
    """``(local_part, ascii_domain)`` of a bare address like ``jürgen@müller.de``; raises HeaderInjection."""
    if not isinstance(address, str) or _CONTROLS.search(address) or any(c.isspace() for c in address):
        raise HeaderInjection(f"{what} address {address!r} contains whitespace or control characters")
    local, at, domain = address.rpartition("@")
    if not at or not _LOCAL_RE.fullmatch(local) or len(local.encode("utf-8")) > 64:
        raise HeaderInjection(f"invalid {what} address {address!r}")
    if not local.isascii() and any(unicodedata.category(c) == "Cf" for c in local):
        # An invisible character pasted along (zero-width space, soft hyphen, BOM) would send
        # the mail to another mailbox, and needlessly as SMTPUTF8.
        raise HeaderInjection(f"{what} address {address!r} contains an invisible formatting character")
    return local, to_ascii_domain(domain)


def normalise_address(address: str) -> str:
    """The address as it goes on the wire: local part unchanged, domain as A-labels."""
    local, domain = split_address(address)
    return f"{local}@{domain}"


def make_message_id(domain: str) -> str:
    """A fresh ``<random@domain>`` with 144 random bits; the domain is the sender's, never the host's."""
    return f"<{secrets.token_urlsafe(18)}@{to_ascii_domain(domain)}>"


def _uri(value: str, schemes: tuple[str, ...], what: str) -> str:
    if _CONTROLS.search(value) or not value.lower().startswith(schemes):
        raise HeaderInjection(f"invalid {what} {value!r}")
    if value.lower().startswith("mailto:") and not value.isascii():
        address, sep, query = value[len("mailto:") :].partition("?")
        local, domain = split_address(address, what)
        value = f"mailto:{quote(local, safe='')}@{domain}{sep}{query}"
    if not _URI_RE.fullmatch(value) or len(value) > 900:
        raise HeaderInjection(f"invalid {what} {value!r}")
    return value


def _list_unsubscribe_lines(mail: OutgoingMail) -> bytes:
    """RFC 2369 / RFC 8058 headers, folded only between URIs so no URI is ever encoded."""
    uris = []
    if mail.list_unsubscribe_url:
        # RFC 8058 one-click needs https; http is accepted for a local demo set-up.
        uris.append(_uri(mail.list_unsubscribe_url, ("https://", "http://"), "unsubscribe URL"))
    if mail.list_unsubscribe_mailto:
        uris.append(_uri(mail.list_unsubscribe_mailto, ("mailto:",), "unsubscribe mailto"))
    if not uris:
        return b""
    lines = "List-Unsubscribe: " + ",\r\n ".join(f"<{uri}>" for uri in uris) + "\r\n"
    if mail.list_unsubscribe_url:
        lines += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    return lines.encode("ascii")


def build_mail(mail: OutgoingMail, *, dkim: MessageSigner | None = None) -> SerializedMail:
    """Serialise ``mail`` to CRLF bytes ready for DATA, DKIM-signed when a signer is given."""
    from_local, from_domain = split_address(mail.from_email, "sender")
    to_local, to_domain = split_address(mail.to_email, "recipient")
    reply = split_address(mail.reply_to, "reply-to") if mail.reply_to else None
    locals_ = [from_local, to_local] + ([reply[0]] if reply else [])
    smtputf8 = not all(local.isascii() for local in locals_)

    if mail.date.tzinfo is None or mail.date.utcoffset() is None:
        raise ValueError("the Date of a message must be timezone-aware")
    if not _MSGID_RE.fullmatch(mail.message_id or ""):
        raise HeaderInjection(f"invalid Message-ID {mail.message_id!r}")

    head = [
        _fold("From", _mailbox(mail.from_name, from_local, from_domain, smtputf8)),
        _fold("To", _mailbox(mail.to_name, to_local, to_domain, smtputf8)),
    ]
    if reply:
        head.append(_fold("Reply-To", _mailbox("", reply[0], reply[1], smtputf8)))
    subject = clean_text(("[TEST] " if mail.test_banner else "") + mail.subject)
    head += [
        _fold("Subject", _unstructured(subject, smtputf8)),
        f"Date: {format_datetime(mail.date)}\r\n",
        f"Message-ID: {mail.message_id}\r\n",
        "MIME-Version: 1.0\r\n",
    ]
    if mail.test_banner:
        head.append("X-Nurture-Test: yes\r\n")
    for name, value in mail.extra_headers:
        if not _HEADER_NAME_RE.fullmatch(name) or name.lower() in _RESERVED_HEADERS:
            raise HeaderInjection(f"header name {name!r} is not allowed as an extra header")
        head.append(_fold(name, _unstructured(clean_text(value), smtputf8)))

    data = "".join(head).encode("utf-8") + _list_unsubscribe_lines(mail) + _mime_body(mail.text, mail.html)
    _check_wire_form(data, smtputf8)
    if dkim is not None:
        data = dkim.sign(data)
    return SerializedMail(
        data=data,
        sender=f"{from_local}@{from_domain}",
        recipients=(f"{to_local}@{to_domain}",),
        smtputf8=smtputf8,
    )


# -- header writing ----------------------------------------------------------------------
#
# The stdlib folder is not used for header fields: it drops the space between an encoded-word
# and the next word in a noticeable share of non-ASCII subjects, mangles display names with
# quotes or parentheses, and emits 76-character encoded-words. The rules here are simple
# enough to be exact: a run of words that needs encoding becomes base64 encoded-words of at
# most 75 characters (RFC 2047 §2); folding happens only at spaces; lines stay within 78
# characters where the words allow and always within 998. (Python's own address parser
# wrongly keeps the space between two adjacent encoded-words of a display name; RFC 2047 §6.2
# readers drop it. So ASCII words of a name stay out of encoded-words, and a run is split
# between words, never inside one that fits: the worst Python then shows is a doubled space.)

_ATOM_ASCII = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_ATOM_UTF8 = re.compile(r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7f])+")
_WORD_BYTES = 42  # 56 base64 characters: "=?utf-8?b?" + 56 + "?=" is 68, so "Reply-To: " + word <= 78
_LONGEST_PLAIN = 66  # longer words are encoded too, so every line can stay within 78


def _encoded_words(words: list[str]) -> list[str]:
    """``" ".join(words)`` as encoded-words, split after a (then encoded) space where possible."""
    chunks: list[bytes] = []
    chunk = b""
    last = len(words) - 1
    for i, word in enumerate(words):
        piece = (word + " " if i < last else word).encode("utf-8")
        if chunk and len(chunk) + len(piece) > _WORD_BYTES:
            chunks.append(chunk)
            chunk = b""
        while len(chunk) + len(piece) > _WORD_BYTES:  # a word longer than one encoded-word
            cut = _WORD_BYTES - len(chunk)
            while piece[cut] & 0xC0 == 0x80:  # never inside a UTF-8 sequence
                cut -= 1
            chunks.append(chunk + piece[:cut])
            chunk, piece = b"", piece[cut:]
        chunk += piece
    chunks.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks if c]


def _tokens(words: list[str], needs_encoding: Callable[[str], bool]) -> list[str]:
    """Plain words stay; each run of words needing encoding becomes encoded-words (spaces inside)."""
    tokens: list[str] = []
    run: list[str] = []
    for word in words + [""]:
        if word and needs_encoding(word):
            run.append(word)
            continue
        if run:
            tokens += _encoded_words(run)
            run = []
        if word:
            tokens.append(word)
    return tokens


def _looks_encoded(word: str) -> bool:
    return "=?" in word or len(word.encode("utf-8")) > _LONGEST_PLAIN


def _unstructured(text: str, utf8: bool) -> list[str]:
    words = text.split(" ") if text else []
    return _tokens(words, lambda w: _looks_encoded(w) or (not utf8 and not w.isascii()))


def _quoted(word: str) -> str:
    return word.replace("\\", "\\\\").replace('"', '\\"')


def _quoted_strings(words: list[str]) -> list[str]:
    """Quoted-strings of at most one line each: a fold inside one is misread by ``getaddresses``."""
    strings: list[str] = []
    for word in map(_quoted, words):
        if strings and len(strings[-1].encode("utf-8")) + len(word.encode("utf-8")) < _LONGEST_PLAIN - 2:
            strings[-1] += " " + word
        else:
            strings.append(word)
    return [f'"{s}"' for s in strings]


def _phrase(name: str, utf8: bool) -> list[str]:
    """A display name as atoms, quoted-strings and encoded-words, each word kept as plain as it can be.

    Runs of ASCII words (any words, under SMTPUTF8) stay atoms, or become quoted-strings if one
    of them is not an atom; only the remaining runs become encoded-words, which keeps those short.
    """
    atom = _ATOM_UTF8 if utf8 else _ATOM_ASCII

    def needs_encoding(word: str) -> bool:
        if _looks_encoded(word) or not (utf8 or word.isascii()):
            return True
        return not atom.fullmatch(word) and len(_quoted(word).encode("utf-8")) > _LONGEST_PLAIN - 2

    tokens: list[str] = []
    run: list[str] = []
    encode_run = False
    for word in name.split(" ") if name else []:
        encode = needs_encoding(word)
        if run and encode != encode_run:
            tokens += _phrase_run(run, encode_run, atom)
            run = []
        run.append(word)
        encode_run = encode
    return tokens + (_phrase_run(run, encode_run, atom) if run else [])


def _phrase_run(words: list[str], encode: bool, atom: re.Pattern[str]) -> list[str]:
    if encode:
        return _encoded_words(words)
    return words if all(atom.fullmatch(w) for w in words) else _quoted_strings(words)


def _mailbox(name: str, local: str, domain: str, utf8: bool) -> list[str]:
    return (
        [*_phrase(clean_text(name), utf8), f"<{local}@{domain}>"]
        if clean_text(name)
        else [f"{local}@{domain}"]
    )


def _fold(name: str, tokens: list[str]) -> str:
    """``Name: tokens`` as one logical line, folded at the spaces between tokens.

    Never right after the colon: Python's parser would then keep a leading space in the value.
    """
    lines: list[str] = []
    line = f"{name}:"
    for token in tokens:
        if len(line) > len(name) + 1 and len((line + " " + token).encode("utf-8")) > 78:
            lines.append(line)
            line = " " + token
        else:
            line += " " + token
    lines.append(line)
    return "\r\n".join(lines) + "\r\n"


_PART_HEAD = 'Content-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'


def _quoted_printable(text: str) -> bytes:
    """UTF-8 quoted-printable with CRLF line ends; soft breaks keep every line within 76 characters.

    ``binascii`` counts a space or tab ending a line as one character before writing it as
    ``=20``/``=09``, so such a line can reach 78; and it leaves ``From `` at a line start, which
    mbox stores rewrite to ``>From `` (RFC 2049 §3), changing the text under the DKIM body
    hash. Both are repaired here, only for the few texts that have them.
    """
    encoded = binascii.b2a_qp(_lines(text).encode("utf-8"), quotetabs=False, istext=True, header=False)
    if b"=20\n" in encoded or b"=09\n" in encoded or b"\nFrom " in encoded or encoded.startswith(b"From "):
        encoded = b"\n".join(_qp_line(line) for line in encoded.split(b"\n"))
    return encoded.replace(b"\n", b"\r\n")


def _qp_line(line: bytes) -> bytes:
    """One encoded line with ``From `` escaped and soft breaks wherever it exceeds 76 characters."""
    parts = []
    while True:
        if line.startswith(b"From "):
            line = b"=46" + line[1:]
        if len(line) <= 76:
            parts.append(line)
            return b"\n".join(parts)
        cut = 75
        if line[cut - 1] == 0x3D:  # "=": never split an =XX escape
            cut -= 1
        elif line[cut - 2] == 0x3D:
            cut -= 2
        parts.append(line[:cut] + b"=")
        line = line[cut:]


def _mime_body(text: str, html: str | None) -> bytes:
    """The Content-Type header(s) and body: text/plain, or multipart/alternative with text and HTML.

    The boundary begins with ``==``, which quoted-printable output can never contain (every
    ``=`` there is followed by two hex digits or a line break), so it cannot clash with a part.
    """
    plain = _PART_HEAD.format("plain").encode("ascii") + _quoted_printable(text)
    if html is None:
        return plain
    boundary = f"==============={secrets.randbelow(10**19):019d}=="
    rich = _PART_HEAD.format("html").encode("ascii") + _quoted_printable(html)
    return (
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n--{boundary}\r\n'.encode(
            "ascii"
        )
        + plain
        + f"\r\n--{boundary}\r\n".encode("ascii")
        + rich
        + f"\r\n--{boundary}--\r\n".encode("ascii")
    )


_ANY_EOL = re.compile(rb"\r\n|\r|\n")


def wire_form(data: bytes) -> bytes:
    """``data`` as an SMTP client sends it: CRLF line ends and a final CRLF (RFC 5321 §4.1.1.4).

    The transport writes this form, so the DKIM signature is computed over it too: what the
    relay receives is exactly what was signed. Bytes already in that form (every message
    `build_mail` makes) come back unchanged without a rewrite.
    """
    crlf = data.count(b"\r\n")
    if data.count(b"\r") != crlf or data.count(b"\n") != crlf:  # a bare CR or LF somewhere
        data = _ANY_EOL.sub(b"\r\n", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _lines(text: str) -> str:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return normalised if normalised.endswith("\n") else normalised + "\n"


def _check_wire_form(data: bytes, smtputf8: bool) -> None:
    """Guard the invariants a relay relies on; a failure here is a bug, not bad input."""
    if b"\n" in data.replace(b"\r\n", b"") or b"\r" in data.replace(b"\r\n", b""):
        raise ValueError("message has a bare CR or LF")
    if max(len(line) for line in data.split(b"\r\n")) > MAX_LINE:
        raise ValueError("message has a line longer than 998 characters")
    if not smtputf8 and not data.isascii():
        raise ValueError("message is not 7-bit clean")
