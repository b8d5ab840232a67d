"""What the server receives: headers parsed back one by one, IDN and SMTPUTF8, injection, DKIM."""

from __future__ import annotations

import base64
import re
from email import policy
from email.parser import BytesParser, Parser
from email.utils import parsedate_to_datetime

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from nurture.adapters.dkim_signer import DkimSigner
from nurture.adapters.smtp import SmtpConfig, SmtpTransport
from nurture.outbox.policy import Outcome
from nurture.rendering.mime import build_mail


def plain(port: int, **kwargs: object) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=5.0, **kwargs)  # type: ignore[arg-type]


async def deliver(port: int, mail, **kwargs: object):
    transport = SmtpTransport(plain(port, **kwargs))
    try:
        return await transport.send(mail)
    finally:
        await transport.close()


def parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


async def test_received_message_is_well_formed_header_by_header(smtp_server, make_mail):
    server = await smtp_server()
    mail = make_mail()
    serialized = build_mail(mail)
    result = await deliver(server.port, serialized)

    assert result.outcome is Outcome.SENT and result.code == 250
    (envelope,) = server.handler.envelopes
    raw = envelope.original_content
    assert raw == serialized.data  # byte-identical to what was built and stored
    assert envelope.mail_from == "jm@sender.example"
    assert envelope.rcpt_tos == ["kunde@example.com"]
    p = parse(raw)
    assert p.defects == []
    assert str(p["From"]) == "Jürgen Müller <jm@sender.example>"
    assert len(p["From"].addresses) == 1
    assert str(p["To"]) == "Zoë Ångström <kunde@example.com>"
    assert str(p["Reply-To"]) == "jm@sender.example"
    assert p["Subject"] == "Alles Gute zum Geburtstag, Frau Ångström"
    assert p["Message-ID"] == mail.message_id
    for single in ("Date", "From", "To", "Reply-To", "Subject", "Message-ID", "MIME-Version"):
        assert len(p.get_all(single)) == 1, single
    assert parsedate_to_datetime(p["Date"]) == mail.date
    assert p["MIME-Version"] == "1.0"
    assert p["X-Nurture-Message"] == "42"
    assert p["List-Unsubscribe"] == (
        "<https://sender.example/u/AbCdEfGhIjKlMnOpQr>, <mailto:jm@sender.example?subject=unsubscribe>"
    )
    assert p["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert p.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in p.iter_parts()] == ["text/plain", "text/html"]
    assert "alles Gute zum Geburtstag!" in p.get_body(("plain",)).get_content()
    assert "<p>Liebe Frau Ångström,</p>" in p.get_body(("html",)).get_content()
    # wire form: 7-bit, CRLF only, short lines, encoded-words within the RFC 2047 limit
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    header_block = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert all(len(word) <= 75 for word in re.findall(r"=\?[^?]+\?[QqBb]\?[^?]*\?=", header_block))


async def test_idn_domain_with_ascii_local_part_goes_out_as_a_label(smtp_server, make_mail):
    server = await smtp_server()  # no SMTPUTF8 needed for this one
    mail = build_mail(make_mail(to_email="juergen@müller.de", from_email="jana@straße.de"))

    result = await deliver(server.port, mail)

    assert result.outcome is Outcome.SENT
    (envelope,) = server.handler.envelopes
    assert envelope.rcpt_tos == ["juergen@xn--mller-kva.de"]
    assert envelope.mail_from == "jana@xn--strae-oqa.de"  # IDNA2008, not IDNA2003's strasse.de
    assert "SMTPUTF8" not in envelope.mail_options
    p = parse(envelope.original_content)
    assert p["To"].addresses[0].addr_spec == "juergen@xn--mller-kva.de"


async def test_utf8_local_part_is_sent_with_smtputf8_when_offered(smtp_server, make_mail):
    server = await smtp_server(enable_SMTPUTF8=True)
    mail = build_mail(make_mail(to_email="jürgen@müller.de"))
    assert mail.smtputf8

    transport = SmtpTransport(plain(server.port))
    assert await transport.supports_smtputf8() is True
    result = await transport.send(mail)
    await transport.close()

    assert result.outcome is Outcome.SENT
    (envelope,) = server.handler.envelopes
    assert envelope.rcpt_tos == ["jürgen@xn--mller-kva.de"]
    assert "SMTPUTF8" in envelope.mail_options
    raw = envelope.original_content
    assert "To: Zoë Ångström <jürgen@xn--mller-kva.de>".encode() in raw
    assert b"=?" not in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\nTo:")[1].split(b"\r\n")[0]
    p = Parser(policy=policy.default).parsestr(raw.decode("utf-8"))  # RFC 6532: UTF-8 header values
    assert p["To"].addresses[0].username == "jürgen"
    assert p["To"].addresses[0].display_name == "Zoë Ångström"


async def test_utf8_local_part_fails_clearly_without_smtputf8(smtp_server, make_mail):
    server = await smtp_server()  # aiosmtpd does not offer SMTPUTF8 unless asked
    transport = SmtpTransport(plain(server.port))
    assert await transport.supports_smtputf8() is False

    result = await transport.send(build_mail(make_mail(to_email="jürgen@müller.de")))
    await transport.close()

    assert result.outcome is Outcome.FAILED
    assert result.text.startswith("the server does not support SMTPUTF8 needed for jürgen@xn--mller-kva.de; send ")
    assert not result.bounce
    assert server.handler.envelopes == []


async def test_crlf_in_names_and_subject_cannot_inject_headers(smtp_server, make_mail):
    server = await smtp_server()
    evil = "Zoë\r\nBcc: victim@evil.example\r\n"
    mail = make_mail(
        to_name=evil,
        from_name="Jürgen\nX-Injected: yes",
        subject="Hallo\r\nBcc: victim@evil.example\r\n\r\nbody takeover",
        extra_headers=(("X-Nurture-Message", "42\r\nBcc: victim@evil.example"),),
    )

    result = await deliver(server.port, build_mail(mail))

    assert result.outcome is Outcome.SENT
    (envelope,) = server.handler.envelopes
    assert envelope.rcpt_tos == ["kunde@example.com"]
    raw = envelope.original_content
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"(?im)^(bcc|x-injected):", headers)
    p = parse(raw)
    assert p["Bcc"] is None and p["X-Injected"] is None
    assert p["Subject"] == "Hallo Bcc: victim@evil.example body takeover"
    assert p["To"].addresses[0].display_name == "Zoë Bcc: victim@evil.example"
    assert [a.addr_spec for a in p["To"].addresses] == ["kunde@example.com"]


def _rsa_keypair() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(spki)


@pytest.fixture(scope="module")
def dkim_key() -> tuple[bytes, bytes]:
    return _rsa_keypair()


async def test_dkim_signature_verifies_on_received_bytes_and_covers_one_click(smtp_server, make_mail, dkim_key, tmp_path):
    pem, txt = dkim_key
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(pem)
    signer = DkimSigner.from_file("s2026", "sender.example", key_file)
    server = await smtp_server()

    result = await deliver(server.port, build_mail(make_mail(), dkim=signer))

    assert result.outcome is Outcome.SENT
    received = server.handler.envelopes[0].original_content
    assert received.startswith(b"DKIM-Signature:")
    queried: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        queried.append(name)
        return txt

    assert dkim.verify(received, dnsfunc=dns)
    assert queried == [b"s2026._domainkey.sender.example."]
    signature = parse(received)["DKIM-Signature"]
    tags = dict(t.strip().split("=", 1) for t in "".join(str(signature).split()).split(";") if "=" in t)
    signed = tags["h"].lower().split(":")
    for name in ("from", "to", "subject", "date", "message-id", "mime-version", "content-type",
                 "list-unsubscribe", "list-unsubscribe-post", "reply-to"):  # fmt: skip
        assert name in signed, name
    assert signed.count("from") == 2  # over-signed
    assert tags["c"] == "relaxed/relaxed" and tags["a"] == "rsa-sha256" and "l" not in tags
    assert tags["d"] == "sender.example"

    tampered = received.replace(b"alles Gute zum Geburtstag!", b"alles Gute zum Geburtstag?")
    assert tampered != received
    assert not dkim.verify(tampered, dnsfunc=dns)
    dropped_post = received.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", b"")
    assert not dkim.verify(dropped_post, dnsfunc=dns)
