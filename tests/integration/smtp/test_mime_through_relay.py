"""Odd but realistic messages through a real aiosmtpd server: bytes, parsers and DKIM on what arrives."""

from __future__ import annotations

from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser, Parser
from email.utils import getaddresses

import dkim
import pytest
from dkim_keys import dkim_key_pair

from nurture.adapters.dkim_signer import DkimSigner
from nurture.adapters.smtp import SmtpConfig, SmtpTransport
from nurture.outbox.policy import Outcome
from nurture.rendering.mime import build_mail

ODD_TEXT = (
    "From all of us: congratulations!\n"
    ".\n"
    "..two dots, then a line whose trailing space ends in column 76\n"
    + "a" * 75 + " \n"
    + "NUL\x00 form feed\x0c and a lone CR\rand a LF\n"
    + "https://sender.example/" + "very-long-path/" * 80 + "\n"
    + "-- \nJürgen"
)  # fmt: skip
ODD_HTML = "<p>" + "Grüße " * 400 + "</p>\n.\n<p>From the team</p>"


@pytest.fixture(scope="module")
def dkim_key() -> tuple[bytes, bytes]:
    return dkim_key_pair()


async def deliver(port: int, serialized):
    transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=5.0))
    try:
        return await transport.send(serialized)
    finally:
        await transport.close()


def normalised(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


async def test_odd_body_and_long_names_arrive_intact_and_signed(smtp_server, make_mail, dkim_key):
    pem, txt = dkim_key
    name = "Prof. Dr. Hans-Jürgen Müller-Lüdenscheidt"
    mail = make_mail(to_name=name, to_email="hj+geburtstag@münchen.de", text=ODD_TEXT, html=ODD_HTML)
    serialized = build_mail(mail, dkim=DkimSigner("s2026", "sender.example", pem))
    server = await smtp_server()

    result = await deliver(server.port, serialized)

    assert result.outcome is Outcome.SENT
    (envelope,) = server.handler.envelopes
    assert envelope.rcpt_tos == ["hj+geburtstag@xn--mnchen-3ya.de"]
    raw = envelope.original_content
    assert raw == serialized.data  # dot-stuffing undone, nothing re-encoded on the way
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: txt)
    assert raw.isascii()
    assert max(len(line) for line in raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n")) <= 76
    p = BytesParser(policy=policy.default).parsebytes(raw)
    assert p["To"].addresses[0].display_name == name
    assert normalised(p.get_body(("plain",)).get_content()) == normalised(ODD_TEXT)
    assert normalised(p.get_body(("html",)).get_content()) == normalised(ODD_HTML)
    compat = BytesParser(policy=policy.compat32).parsebytes(raw)
    ((compat_name, address),) = getaddresses(compat.get_all("To"))
    assert (str(make_header(decode_header(compat_name))), address) == (
        name,
        "hj+geburtstag@xn--mnchen-3ya.de",
    )
    plain = compat.get_payload()[0]
    assert normalised(plain.get_payload(decode=True).decode("utf-8")) == normalised(ODD_TEXT)


async def test_smtputf8_message_with_quoted_name_arrives_signed(smtp_server, make_mail, dkim_key):
    pem, txt = dkim_key
    name = 'Müller, Jürgen "Jogi" (Geschäftsführer) ' * 3
    mail = make_mail(to_name=name, to_email="jürgen@müller.de", subject="Grüße 🎉 " * 15)
    serialized = build_mail(mail, dkim=DkimSigner("s2026", "sender.example", pem))
    server = await smtp_server(enable_SMTPUTF8=True)

    result = await deliver(server.port, serialized)

    assert result.outcome is Outcome.SENT
    raw = server.handler.envelopes[0].original_content
    assert raw == serialized.data
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: txt)
    p = Parser(policy=policy.default).parsestr(raw.decode("utf-8"))
    assert [a.addr_spec for a in p["To"].addresses] == ["jürgen@xn--mller-kva.de"]
    assert p["To"].addresses[0].display_name == name.strip()
    assert p["Subject"] == ("Grüße 🎉 " * 15).strip()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
