"""DKIM signing of the finished message bytes (RFC 6376), done by the application itself.

Many relays sign too, but their header lists usually omit ``List-Unsubscribe-Post``, which
RFC 8058 §4 requires under the signature; dkimpy's default list omits it as well, so the
header list is always given explicitly. ``From`` is signed twice (over-signing) so a second
``From`` added in transit breaks the signature instead of slipping through.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import dkim
from dkim.crypto import parse_pem_private_key

from nurture.rendering.mime import HeaderInjection, to_ascii_domain

SIGNED_HEADERS: tuple[bytes, ...] = (
    b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type",
    b"list-unsubscribe", b"list-unsubscribe-post", b"reply-to", b"from",
)  # fmt: skip
# RFC 6376 §3.1: dot-separated DNS labels (underscores are found in the wild and harmless in DNS).
_SELECTOR_RE = re.compile(
    r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*"
)


class DkimSigner:
    """Signs with rsa-sha256, relaxed/relaxed, no ``l=`` (a body length tag invites appended content)."""

    def __init__(self, selector: str, domain: str, private_key_pem: bytes) -> None:
        if not selector or not domain:
            raise ValueError("DKIM needs a selector and a domain")
        try:
            parse_pem_private_key(private_key_pem)
        except Exception as exc:  # dkimpy raises its own key errors; surface one clear message
            raise ValueError(f"DKIM private key is not a usable PEM RSA key: {exc}") from None
        if not selector.isascii():
            with contextlib.suppress(HeaderInjection):  # an invalid one is refused just below
                selector = to_ascii_domain(selector)  # A-labels, like d=
        if not _SELECTOR_RE.fullmatch(selector):
            # written verbatim into the s= tag: "s1; x=y" or a line break would change the header
            raise ValueError(f"DKIM selector {selector!r} is not a DNS name like 'mail2026'")
        self.selector = selector
        self.domain = to_ascii_domain(domain)  # d= must be the A-label form
        self._key = private_key_pem

    @classmethod
    def from_file(cls, selector: str, domain: str, path: str | Path) -> DkimSigner:
        """Load the PEM key from ``path`` (kept outside the config file, like every secret)."""
        return cls(selector, domain, Path(path).read_bytes())

    def sign(self, data: bytes) -> bytes:
        """Return ``data`` with a ``DKIM-Signature`` header prepended."""
        signature = dkim.sign(
            data,
            self.selector.encode("ascii"),
            self.domain.encode("ascii"),
            self._key,
            include_headers=list(SIGNED_HEADERS),
            canonicalize=(b"relaxed", b"relaxed"),
            linesep=b"\r\n",
        )
        return signature + data

    def __repr__(self) -> str:
        return f"DkimSigner(selector={self.selector!r}, domain={self.domain!r})"
