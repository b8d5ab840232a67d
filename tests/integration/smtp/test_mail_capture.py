"""The local capture server stores each received mail, byte for byte, as an .eml file."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from nurture.adapters.mail_capture import MailCapture
from nurture.adapters.smtp import SmtpConfig, SmtpTransport
from nurture.outbox.policy import Outcome
from nurture.rendering.mime import build_mail


async def test_capture_writes_one_eml_per_message_including_smtputf8(tmp_path, make_mail):
    outbox = tmp_path / "var" / "outbox"
    capture = MailCapture(outbox, port=0)
    capture.start()
    try:
        assert capture.port > 0
        transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=capture.port, security="none", timeout=5.0))
        greeting = make_mail()
        ascii_mail = build_mail(greeting)
        utf8_mail = build_mail(make_mail(to_email="jürgen@müller.de"))
        assert await transport.supports_smtputf8()
        results = [await transport.send(ascii_mail), await transport.send(utf8_mail)]
        await transport.close()
    finally:
        capture.stop()

    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    files = sorted(outbox.iterdir(), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    assert [p.suffix for p in files] == [".eml", ".eml"]
    assert [p.name.rsplit("-", 1)[1] for p in files] == ["1.eml", "2.eml"]
    assert files[0].read_bytes() == ascii_mail.data
    assert files[1].read_bytes() == utf8_mail.data
    parsed = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert parsed["Message-ID"] == greeting.message_id
    assert not any(p.name.startswith(".") for p in outbox.iterdir())  # no temporary files left


def test_capture_can_be_restarted_and_reports_its_port(tmp_path):
    capture = MailCapture(tmp_path, port=0)
    with capture:
        first = capture.port
        assert first > 0
    assert capture.port == first
