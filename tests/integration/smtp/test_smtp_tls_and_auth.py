"""TLS is fail-closed and the password only ever travels encrypted (certificates made by trustme)."""

from __future__ import annotations

import aiosmtplib

from nurture.adapters.smtp import SmtpConfig, SmtpTransport
from nurture.outbox.policy import Outcome
from nurture.rendering.mime import build_mail

USER, PASSWORD = "mailer", "s3cret-Pässword"  # what the conftest's authenticator accepts


def config(port: int, security: str, tls_context=None, password: str = PASSWORD) -> SmtpConfig:
    return SmtpConfig(
        host="127.0.0.1", port=port, security=security, username=USER, password=password,
        timeout=5.0, tls_context=tls_context,
    )  # fmt: skip


async def send_once(cfg: SmtpConfig, mail):
    transport = SmtpTransport(cfg)
    try:
        return await transport.send(mail)
    finally:
        await transport.close()


async def test_starttls_then_auth_delivers_over_an_authenticated_tls_session(smtp_server, make_mail, tls):
    server = await smtp_server(
        tls_context=tls.server, require_starttls=True, with_auth=True, auth_required=True, auth_require_tls=True
    )

    result = await send_once(config(server.port, "starttls", tls.client), build_mail(make_mail()))

    assert result.outcome is Outcome.SENT
    assert server.handler.sessions == [{"authenticated": True, "tls": True}]
    assert server.handler.auth_logins == [(USER.encode(), PASSWORD.encode())]


async def test_missing_starttls_fails_and_never_sends_the_password(smtp_server, make_mail, tls):
    # A relay (or an attacker stripping STARTTLS) that offers AUTH in plaintext.
    server = await smtp_server(with_auth=True, auth_require_tls=False)

    result = await send_once(config(server.port, "starttls", tls.client), build_mail(make_mail()))

    assert result.outcome is Outcome.FAILED
    assert "does not offer STARTTLS" in result.text and result.pause_relay
    assert server.handler.connections == 1
    assert server.handler.auth_commands == []
    assert server.handler.auth_logins == []
    assert server.handler.envelopes == []


async def test_the_same_server_does_receive_the_password_from_aiosmtplibs_default(smtp_server, tls):
    # Control for the test above: the fixture does notice a plaintext login when one happens.
    server = await smtp_server(with_auth=True, auth_require_tls=False)
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=server.port, username=USER, password=PASSWORD, timeout=5)
    await client.connect()
    await client.quit()
    assert server.handler.auth_logins == [(USER.encode(), PASSWORD.encode())]


async def test_untrusted_certificate_fails_closed(smtp_server, make_mail, tls):
    server = await smtp_server(tls_context=tls.server, with_auth=True)

    result = await send_once(config(server.port, "starttls", tls.untrusting_client), build_mail(make_mail()))

    assert result.outcome is Outcome.FAILED and "TLS failed" in result.text
    assert server.handler.auth_commands == [] and server.handler.envelopes == []


async def test_implicit_tls(smtp_server, make_mail, tls):
    server = await smtp_server(implicit_tls=tls.server, with_auth=True, auth_require_tls=False)

    result = await send_once(config(server.port, "tls", tls.client), build_mail(make_mail()))

    assert result.outcome is Outcome.SENT
    assert server.handler.sessions == [{"authenticated": True, "tls": True}]


async def test_wrong_password_fails_and_pauses_the_relay(smtp_server, make_mail, tls):
    server = await smtp_server(tls_context=tls.server, with_auth=True, auth_required=True)

    result = await send_once(config(server.port, "starttls", tls.client, password="wrong"), build_mail(make_mail()))

    assert (result.outcome, result.code, result.pause_relay) == (Outcome.FAILED, 535, True)
    assert server.handler.envelopes == []


async def test_no_auth_without_a_username(smtp_server, make_mail, tls):
    server = await smtp_server(tls_context=tls.server, with_auth=True)
    cfg = SmtpConfig(host="127.0.0.1", port=server.port, security="starttls", timeout=5.0, tls_context=tls.client)

    assert (await send_once(cfg, build_mail(make_mail()))).outcome is Outcome.SENT
    assert server.handler.auth_commands == []
    assert [(bool(s["authenticated"]), s["tls"]) for s in server.handler.sessions] == [(False, True)]


def test_credentials_match_the_server_fixture(credentials):
    assert credentials == (USER, PASSWORD)


def test_password_is_not_in_the_config_repr():
    cfg = SmtpConfig(host="relay.example", port=587, security="starttls", username=USER, password=PASSWORD)
    assert PASSWORD not in repr(cfg)
    assert USER in repr(cfg)
