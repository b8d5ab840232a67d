"""DKIM signing of the finished message bytes (RFC 6376), done by the application itself.

Many relays sign too, but their header lists usually omit ``List-Unsubscribe-Post``, which
RFC 8058 §4 requires under the signature; dkimpy's default list omits it as well, so the
header list is always given explicitly. ``From`` is signed twice (over-signing) so a second
``From`` added in transit breaks the signature instead of slipping through.

The signature is built here rather than by ``dkim.sign``: dkimpy does the RSA step in pure
Python (about 10 ms of CPU per message, the sender's bottleneck), OpenSSL through
``cryptography`` does it in about 0.3 ms. Parsing, relaxed canonicalisation, tags and folding
follow dkimpy 1.1 step by step, so for the same message and second the header is byte for
byte what ``dkim.sign`` wrote (RSASSA-PKCS1-v1_5 is deterministic); the tests compare the two.
It differs only where dkimpy's signature failed on arrival: see ``rendering.mime.wire_form``
and ``_fold``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from nurture.rendering.mime import HeaderInjection, to_ascii_domain, wire_form

SIGNED_HEADERS: tuple[bytes, ...] = (
    b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type",
    b"list-unsubscribe", b"list-unsubscribe-post", b"reply-to", b"from",
)  # fmt: skip
# RFC 6376 §3.1: dot-separated DNS labels (underscores are found in the wild and harmless in DNS).
_SELECTOR_RE = re.compile(
    r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*"
)

_HEADER_NAME = b"DKIM-Signature"
# b= is folded with this stand-in first (as dkimpy does), so b= starts on a line of its own
# and filling in the real value later does not move the whitespace of the tags before it.
_B_PLACEHOLDER = b"0" * 60
_FIELD_NAME_RE = re.compile(rb"([\x21-\x7e]+?):")
_WSP_RE = re.compile(rb"[\t ]+")


def _parse(data: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Header fields as (name, value with its line ends) and the body, like ``dkim.rfc822_parse``."""
    lines = data.split(b"\r\n")
    fields: list[list[bytes]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            break  # the empty line ends the header
        if line[0] in (0x09, 0x20):
            if not fields:
                raise ValueError("message starts with a continuation line, not a header field")
            fields[-1][1] += line + b"\r\n"
        elif m := _FIELD_NAME_RE.match(line):
            fields.append([m.group(1), line[m.end() :] + b"\r\n"])
        elif not line.startswith(b"From "):  # an mbox separator line is skipped, as by dkimpy
            raise ValueError(f"not a header field: {line[:60]!r}")
    else:
        return [(name, value) for name, value in fields], b""
    return [(name, value) for name, value in fields], b"\r\n".join(lines[i:])


def _compress(text: bytes) -> bytes:
    """Runs of WSP as one space; most text has neither a tab nor two spaces, and skips the regex."""
    return _WSP_RE.sub(b" ", text) if b"\t" in text or b"  " in text else text


def _relaxed_header(name: bytes, value: bytes) -> bytes:
    """RFC 6376 §3.4.2: lower-case name, unfolded value, runs of WSP as one space, no WSP at the ends."""
    return name.lower().rstrip() + b":" + _compress(value.replace(b"\r\n", b"")).strip()


def _relaxed_body(body: bytes) -> bytes:
    """RFC 6376 §3.4.4: no WSP at line ends, runs of WSP as one space, no empty lines at the end."""
    # Compressing first leaves one space at most before a CRLF. In wire form every CR and LF is
    # part of a CRLF, so stripping those characters drops whole empty lines (linear, unlike a regex).
    body = _compress(body).replace(b" \r\n", b"\r\n").rstrip(b"\r\n")
    return body + b"\r\n" if body else b""


def _select(fields: list[tuple[bytes, bytes]], names: tuple[bytes, ...]) -> list[tuple[bytes, bytes]]:
    """RFC 6376 §5.4.2: each name takes the next instance from the bottom; a name with none left adds nothing."""
    chosen = []
    last: dict[bytes, int] = {}
    for name in names:
        i = last.get(name, len(fields))
        while i > 0:
            i -= 1
            if fields[i][0].lower() == name:
                chosen.append(fields[i])
                break
        last[name] = i
    return chosen


def _fold(value: bytes, namelen: int) -> bytes:
    """Fold a tag list at spaces to lines of at most 72 characters, as ``dkim.fold`` does.

    A run longer than a line is cut inside only if it is the last one, the b= value, where
    verifiers drop whitespace (RFC 6376 §3.5). dkimpy cut any run, so a domain longer than 67
    characters (in i=@…) or a selector longer than 68 got a space inside, and the signature
    could not verify; such a run now stays whole on a longer line (a header line may have 998).
    """
    maxlen = 72 - namelen
    if len(value) <= maxlen or (value.endswith(b"\r\n") and len(value) <= maxlen + 2):
        return value
    done = b""
    if (i := value.rfind(b"\r\n ")) != -1:
        done, value = value[: i + 3], value[i + 3 :]
    while len(value) > maxlen:
        i = value[:maxlen].rfind(b" ")
        if i == -1:
            i = value.find(b" ", maxlen)
        if i == -1:
            done += value[:maxlen] + b"\r\n "
            value = value[maxlen:]
        else:
            done += value[:i] + b"\r\n "
            value = value[i + 1 :]
        maxlen = 71
    return done + value


class DkimSigner:
    """Signs with rsa-sha256, relaxed/relaxed, no ``l=`` (a body length tag invites appended content)."""

    def __init__(self, selector: str, domain: str, private_key_pem: bytes) -> None:
        if not selector or not domain:
            raise ValueError("DKIM needs a selector and a domain")
        try:
            key = serialization.load_pem_private_key(private_key_pem, password=None)
        except Exception as exc:  # ValueError, TypeError (encrypted), UnsupportedAlgorithm: one message
            raise ValueError(f"DKIM private key is not a usable PEM RSA key: {exc}") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"DKIM private key is not a usable PEM RSA key: it is {type(key).__name__}")
        if not selector.isascii():
            with contextlib.suppress(HeaderInjection):  # an invalid one is refused just below
                selector = to_ascii_domain(selector)  # A-labels, like d=
        if not _SELECTOR_RE.fullmatch(selector):
            # written verbatim into the s= tag: "s1; x=y" or a line break would change the header
            raise ValueError(f"DKIM selector {selector!r} is not a DNS name like 'mail2026'")
        self.selector = selector
        self.domain = to_ascii_domain(domain)  # d= must be the A-label form
        self._key = key
        d = self.domain.encode("ascii")
        # Every tag before t= is the same for each message (dkimpy's order: v a c d i q s t h bh b).
        self._head_tags = [b"v=1", b"a=rsa-sha256", b"c=relaxed/relaxed", b"d=" + d, b"i=@" + d,
                           b"q=dns/txt", b"s=" + self.selector.encode("ascii")]  # fmt: skip
        self._h_tag = b"h=" + b" : ".join(SIGNED_HEADERS)

    @classmethod
    def from_file(cls, selector: str, domain: str, path: str | Path) -> DkimSigner:
        """Load the PEM key from ``path`` (kept outside the config file, like every secret)."""
        return cls(selector, domain, Path(path).read_bytes())

    def sign(self, data: bytes, *, timestamp: int | None = None) -> bytes:
        """Return ``data`` in wire form with a ``DKIM-Signature`` header prepended.

        ``timestamp`` (seconds since the epoch, for t=) defaults to now; tests pin it to compare
        with dkimpy.
        """
        data = wire_form(data)  # aiosmtplib sends this form; the relay checks what it received
        fields, body = _parse(data)
        body_hash = base64.b64encode(hashlib.sha256(_relaxed_body(body)).digest())
        t = int(time.time()) if timestamp is None else timestamp
        tags = [*self._head_tags, b"t=%d" % t, self._h_tag, b"bh=" + body_hash]

        # RFC 6376 §3.7: the signed header fields, then this header with an empty b= and no final CRLF.
        unsigned = _fold(b"; ".join([*tags, b"b=" + _B_PLACEHOLDER]), len(_HEADER_NAME))
        unsigned = unsigned[: -len(_B_PLACEHOLDER)]  # never cut: "b=" and 60 fit on a folded line
        hashed = b"".join(_relaxed_header(n, v) + b"\r\n" for n, v in _select(fields, SIGNED_HEADERS))
        hashed += _relaxed_header(_HEADER_NAME, b" " + unsigned)
        digest = hashlib.sha256(hashed).digest()
        signature = self._key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))

        value = _fold(b"; ".join([*tags, b"b=" + base64.b64encode(signature)]) + b"\r\n", len(_HEADER_NAME))
        return _HEADER_NAME + b": " + value + data

    def __repr__(self) -> str:
        return f"DkimSigner(selector={self.selector!r}, domain={self.domain!r})"
