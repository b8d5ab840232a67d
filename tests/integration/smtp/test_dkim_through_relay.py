"""DkimSigner's signatures checked where it counts: on the bytes a real aiosmtpd server received.

The header must still be the one dkimpy writes for the received message at the same second,
so the faster signer changes nothing a receiver can see.
"""

from __future__ import annotations

import re

import dkim
import pytest
from dkim_keys import dkim_key_pair

from nurture.adapters.dkim_signer import SIGNED_HEADERS, DkimSigner
from nurture.adapters.smtp import SmtpConfig, SmtpTransport
from nurture.outbox.policy import Outcome
from nurture.rendering.mime import SerializedMail, build_mail

HEAD = (
    b"From: Jana Beispiel <jm@sender.example>\r\n"
    b"To: kunde@example.com\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus\r\n  K=?utf-8?q?=C3=B6?=ln\r\n"
    b"Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n"
    b"Message-ID: <raw-1@sender.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"List-Unsubscribe: <https://sender.example/u/AbC>\r\n"
    b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
)
BODIES = {
    "empty body": b"",
    "no final CRLF": b"Hallo,\r\nbis bald",
    "no final CRLF after a blank": b"Hallo,\r\nbis bald \t",
    "trailing whitespace lines": b"eins  \r\n \t \r\nzwei\t\r\n   \r\n\r\n",
    "lines starting with a dot": b".\r\n..\r\n.punkt\r\n. \r\nende\r\n",
    "bare LF line ends": b"eins\nzwei\n.\n",
    "long line": b"x" * 990 + b"\r\n",
}


@pytest.fixture(scope="module")
def dkim_key() -> tuple[bytes, bytes]:
    return dkim_key_pair()


def dns_for(txt: bytes):
    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return txt if name == b"s2026._domainkey.sender.example." else None

    return dns


async def relay(smtp_server, data: bytes, **server_options: object) -> bytes:
    """Send ``data`` through a real aiosmtpd server and return what it received."""
    server = await smtp_server(**server_options)
    mail = SerializedMail(
        data=data, sender="jm@sender.example", recipients=("kunde@example.com",), smtputf8=False
    )
    transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=server.port, security="none", timeout=5.0))
    try:
        result = await transport.send(mail)
    finally:
        await transport.close()
    assert result.outcome is Outcome.SENT
    (envelope,) = server.handler.envelopes
    return envelope.original_content


def timestamp(header: bytes) -> int:
    return int(re.search(rb"[; ]t=(\d+);", header).group(1))


def assert_dkimpy_writes_the_same(received: bytes, pem: bytes) -> None:
    """dkimpy, signing the received message in the same second, writes the very same header."""
    header, message = received.split(b"\r\nFrom: ", 1)
    header, message = header + b"\r\n", b"From: " + message
    old = dkim.sign(
        message,
        b"s2026",
        b"sender.example",
        pem,
        include_headers=list(SIGNED_HEADERS),
        canonicalize=(b"relaxed", b"relaxed"),
        linesep=b"\r\n",
    )
    if timestamp(old) != timestamp(header):  # the clock went on to the next second since sending
        header = DkimSigner("s2026", "sender.example", pem).sign(message, timestamp=timestamp(old))
        header = header[: -len(message)]
    assert old == header


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
async def test_raw_message_verifies_as_received(smtp_server, dkim_key, body):
    pem, txt = dkim_key
    signed = DkimSigner("s2026", "sender.example", pem).sign(HEAD + b"\r\n" + body)

    received = await relay(smtp_server, signed)

    assert received == signed  # the signer already sent CRLF lines and a final CRLF
    assert dkim.verify(received, dnsfunc=dns_for(txt))
    assert_dkimpy_writes_the_same(received, pem)
    assert not dkim.verify(received.replace(b"\r\nTo: kunde@", b"\r\nTo: kundin@", 1), dnsfunc=dns_for(txt))


async def test_built_message_with_international_names_verifies_after_relay_and_refolding(
    smtp_server, make_mail, dkim_key
):
    pem, txt = dkim_key
    mail = make_mail(
        to_name="Prof. Dr. Hans-Jürgen Müller-Lüdenscheidt, " * 3,
        to_email="jürgen@müller.de",
        subject="Grüße 🎉 " * 20,
        text="From us:\n.\n..\n" + "a" * 75 + " \n\t\nEnde  \n\n\n",
        list_unsubscribe_url="https://sender.example/u/" + "A" * 120,
    )
    serialized = build_mail(mail, dkim=DkimSigner("s2026", "sender.example", pem))
    server = await smtp_server(enable_SMTPUTF8=True)
    transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=server.port, security="none", timeout=5.0))
    try:
        assert (await transport.send(serialized)).outcome is Outcome.SENT
    finally:
        await transport.close()

    received = server.handler.envelopes[0].original_content
    assert received == serialized.data
    dns = dns_for(txt)
    assert dkim.verify(received, dnsfunc=dns)
    assert_dkimpy_writes_the_same(received, pem)
    head, body = received.split(b"\r\n\r\n", 1)
    unfolded = re.sub(rb"\r\n[ \t]+", b" ", head)
    assert dkim.verify(unfolded + b"\r\n\r\n" + body, dnsfunc=dns)
    assert dkim.verify(unfolded.replace(b": ", b":\t ") + b"\r\n\r\n" + body, dnsfunc=dns)
