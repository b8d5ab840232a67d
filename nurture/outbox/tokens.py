"""Signed, short unsubscribe tokens for the one-click link (RFC 8058 §4).

The token is opaque and hard to forge: the contact id followed by a truncated HMAC-SHA256,
base64url without padding. It stays short (at most 24 characters) because a long token in
``List-Unsubscribe`` gets folded into encoded-words by ``email.policy.SMTP`` and the
unsubscribe button disappears. Tokens never expire: an objection must keep working for as
long as old mails exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

_MAC_BYTES = 10  # 80 bits: forging needs ~2**80 online guesses
_MAX_ID_BYTES = 8
_CONTEXT = b"nurture/unsubscribe/v1\x00"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{15,24}")


def _mac(contact_bytes: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, _CONTEXT + contact_bytes, hashlib.sha256).digest()[:_MAC_BYTES]


def _id_bytes(contact_id: int) -> bytes:
    return contact_id.to_bytes(max(1, (contact_id.bit_length() + 7) // 8), "big")


def sign_unsubscribe(contact_id: int, secret: bytes) -> str:
    """Return a URL-safe token naming ``contact_id``, signed with ``secret``."""
    if isinstance(contact_id, bool) or not isinstance(contact_id, int) or contact_id < 0:
        raise ValueError("contact_id must be a non-negative integer")
    if contact_id >= 1 << (8 * _MAX_ID_BYTES):
        raise ValueError("contact_id is too large for an unsubscribe token")
    if not secret:
        raise ValueError("an unsubscribe secret is required")
    raw = _id_bytes(contact_id)
    return base64.urlsafe_b64encode(raw + _mac(raw, secret)).rstrip(b"=").decode("ascii")


def verify_unsubscribe(token: str, secret: bytes) -> int | None:
    """Return the contact id in ``token``, or None if it is malformed or not signed by ``secret``.

    Never raises: the token arrives from the internet, so anything odd is simply invalid.
    """
    try:
        if not secret or not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
            return None
        padded = token + "=" * (-len(token) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
        # Only the canonical spelling is accepted, so one id has exactly one valid token.
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
            return None
        contact_bytes, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if not 1 <= len(contact_bytes) <= _MAX_ID_BYTES:
            return None
        if not hmac.compare_digest(mac, _mac(contact_bytes, secret)):
            return None
        contact_id = int.from_bytes(contact_bytes, "big")
        if _id_bytes(contact_id) != contact_bytes:
            return None
        return contact_id
    except Exception:  # noqa: BLE001 - a bad token is just invalid
        return None
