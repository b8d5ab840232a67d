"""RSA keys for DKIM tests: the private key as PEM and the DNS TXT record that publishes it."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def dkim_key_pair(bits: int = 2048) -> tuple[bytes, bytes]:
    """(PEM private key, `v=DKIM1; k=rsa; p=…` TXT record) for a fresh key of `bits` bits."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(spki)
