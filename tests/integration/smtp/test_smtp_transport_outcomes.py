"""SmtpTransport against scripted aiosmtpd servers: every reply and breakage maps to the right outcome.

Disconnects and timeouts are defined by where they happen: before the final dot of DATA the
server cannot have accepted the message, so it is RETRY; once the final dot has been sent the
reply may merely be lost while the message sits in the relay's queue, so it is UNCERTAIN.
"""

from __future__ import annotations

import pytest

from nurture.adapters.smtp import SmtpConfig, SmtpTransport
from nurture.outbox.policy import Outcome
from nurture.rendering.mime import build_mail


def plain(port: int, **kwargs: object) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, security="none", **{"timeout": 5.0, **kwargs})  # type: ignore[arg-type]


@pytest.fixture
async def transports():
    opened: list[SmtpTransport] = []

    def make(config: SmtpConfig) -> SmtpTransport:
        transport = SmtpTransport(config)
        opened.append(transport)
        return transport

    yield make
    for transport in opened:
        await transport.close()


async def test_one_connection_carries_many_messages(smtp_server, make_mail, transports):
    server = await smtp_server()
    transport = transports(plain(server.port))

    results = [await transport.send(build_mail(make_mail(to_email=f"k{i}@example.com"))) for i in range(3)]

    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert server.handler.connections == 1
    assert [e.rcpt_tos for e in server.handler.envelopes] == [[f"k{i}@example.com"] for i in range(3)]
    assert transport.connections_opened == 1


async def test_reconnects_when_the_server_dropped_the_idle_connection(smtp_server, make_mail, transports):
    server = await smtp_server()
    transport = transports(plain(server.port))
    assert (await transport.send(build_mail(make_mail()))).outcome is Outcome.SENT

    server.handler.drop_all()
    second = await transport.send(build_mail(make_mail(to_email="zwei@example.com")))

    assert second.outcome is Outcome.SENT
    assert server.handler.connections == 2
    assert [e.rcpt_tos for e in server.handler.envelopes] == [["kunde@example.com"], ["zwei@example.com"]]


async def test_idle_connection_is_probed_before_reuse(smtp_server, make_mail, transports):
    server = await smtp_server()
    transport = transports(plain(server.port, idle_check=0.0))  # always probe
    for _ in range(2):
        assert (await transport.send(build_mail(make_mail()))).outcome is Outcome.SENT
    server.handler.drop_all()
    assert (await transport.send(build_mail(make_mail()))).outcome is Outcome.SENT
    assert server.handler.connections == 2
    assert len(server.handler.envelopes) == 3


async def test_451_is_retried_and_the_message_is_delivered_once(smtp_server, make_mail, transports):
    server = await smtp_server()
    server.handler.on("rcpt", "451 4.7.1 Greylisted, try again later")
    transport = transports(plain(server.port))
    mail = build_mail(make_mail())

    first = await transport.send(mail)
    assert first.outcome is Outcome.RETRY and first.code == 451 and "Greylisted" in first.text
    assert not first.bounce
    assert server.handler.envelopes == []

    second = await transport.send(mail)  # the dispatcher's retry, on the same connection
    assert second.outcome is Outcome.SENT
    assert len(server.handler.envelopes) == 1
    assert server.handler.connections == 1


@pytest.mark.parametrize(
    ("phase", "reply", "code"),
    [
        ("mail", "452 4.3.1 Insufficient system storage", 452),
        ("rcpt", "450 4.2.1 Mailbox busy", 450),
        ("data", "451 4.3.0 Local error in processing", 451),
        ("data_end", "451 4.3.0 Try again later", 451),
        ("data_end", "452 4.3.1 Insufficient system storage", 452),
    ],
)
async def test_transient_replies_are_retried(smtp_server, make_mail, transports, phase, reply, code):
    server = await smtp_server()
    server.handler.on(phase, reply)
    transport = transports(plain(server.port))

    result = await transport.send(build_mail(make_mail()))

    assert (result.outcome, result.code, result.bounce) == (Outcome.RETRY, code, False)
    assert server.handler.envelopes == []
    assert (await transport.send(build_mail(make_mail()))).outcome is Outcome.SENT  # connection still usable
    assert server.handler.connections == 1


@pytest.mark.parametrize("phase", ["mail", "rcpt", "data"])
async def test_421_mid_session_is_retried_and_pauses_the_relay(smtp_server, make_mail, transports, phase):
    server = await smtp_server()
    server.handler.on(phase, "421 4.7.0 Too many errors, closing")
    transport = transports(plain(server.port))

    result = await transport.send(build_mail(make_mail()))

    assert (result.outcome, result.code, result.pause_relay) == (Outcome.RETRY, 421, True)
    assert (await transport.send(build_mail(make_mail()))).outcome is Outcome.SENT
    assert server.handler.connections == 2  # the closed connection was replaced
    assert len(server.handler.envelopes) == 1


async def test_unknown_user_fails_and_marks_a_bounce(smtp_server, make_mail, transports):
    server = await smtp_server()
    server.handler.on("rcpt", "550 5.1.1 <kunde@example.com>: Recipient address rejected: User unknown")
    transport = transports(plain(server.port))

    result = await transport.send(build_mail(make_mail()))

    assert (result.outcome, result.code, result.bounce) == (Outcome.FAILED, 550, True)
    assert "User unknown" in result.text
    assert server.handler.envelopes == []


async def test_policy_rejection_at_rcpt_fails_without_blaming_the_recipient(smtp_server, make_mail, transports):
    server = await smtp_server()
    server.handler.on("rcpt", "550 5.7.1 Relaying denied")
    result = await transports(plain(server.port)).send(build_mail(make_mail()))
    assert (result.outcome, result.code, result.bounce) == (Outcome.FAILED, 550, False)


@pytest.mark.parametrize(
    ("phase", "reply", "code"),
    [
        ("data_end", "552 5.3.4 Message size exceeds fixed limit", 552),
        ("rcpt", "552 5.2.2 Mailbox full", 552),
        ("data_end", "554 5.7.1 Message rejected as spam", 554),
        ("mail", "553 5.7.1 Sender address rejected: not owned by user", 553),
        ("data", "554 5.5.1 No valid recipients", 554),
    ],
)
async def test_permanent_replies_fail_at_once(smtp_server, make_mail, transports, phase, reply, code):
    server = await smtp_server()
    server.handler.on(phase, reply)
    transport = transports(plain(server.port))

    result = await transport.send(build_mail(make_mail()))

    assert (result.outcome, result.code, result.bounce) == (Outcome.FAILED, code, False)
    assert server.handler.envelopes == []
    assert (await transport.send(build_mail(make_mail()))).outcome is Outcome.SENT  # RSET, same connection
    assert server.handler.connections == 1


async def test_disconnect_before_the_data_go_ahead_is_retried(smtp_server, make_mail, transports):
    server = await smtp_server()
    server.handler.on("data", "drop")

    result = await transports(plain(server.port)).send(build_mail(make_mail()))

    assert result.outcome is Outcome.RETRY and result.code is None
    assert server.handler.envelopes == []


async def test_disconnect_while_the_body_is_transmitted_is_uncertain(smtp_server, make_mail, transports):
    # The client has handed over the whole message including the final dot and then loses the
    # connection without a reply: it cannot know how far the server got, so no blind resend.
    server = await smtp_server()
    server.handler.on("data", "drop_in_body")

    result = await transports(plain(server.port)).send(build_mail(make_mail()))

    assert result.outcome is Outcome.UNCERTAIN and result.code is None
    assert server.handler.envelopes == []


async def test_disconnect_after_the_final_dot_is_uncertain(smtp_server, make_mail, transports):
    server = await smtp_server()
    server.handler.on("data_end", "drop")

    result = await transports(plain(server.port)).send(build_mail(make_mail()))

    assert result.outcome is Outcome.UNCERTAIN


async def test_stall_after_the_final_dot_is_uncertain_although_the_server_accepted(smtp_server, make_mail, transports):
    server = await smtp_server()
    server.handler.on("data_end", "stall:3")
    transport = transports(plain(server.port, timeout=0.5))

    result = await transport.send(build_mail(make_mail()))

    assert result.outcome is Outcome.UNCERTAIN and result.code is None
    assert "timeout" in result.text.lower()
    assert len(server.handler.envelopes) == 1  # it was in fact accepted: resending would duplicate it
    # the broken connection is never reused: the next message goes over a new one
    server.handler.script.clear()
    assert (await transport.send(build_mail(make_mail()))).outcome is Outcome.SENT
    assert server.handler.connections == 2


async def test_data_timeout_can_be_longer_than_the_command_timeout(smtp_server, make_mail, transports):
    server = await smtp_server()
    server.handler.on("data_end", "stall:0.6")
    transport = transports(plain(server.port, timeout=0.3, data_timeout=5.0))
    assert (await transport.send(build_mail(make_mail()))).outcome is Outcome.SENT


async def test_stall_before_data_is_retried(smtp_server, make_mail, transports):
    server = await smtp_server()
    server.handler.on("rcpt", "stall:3")

    result = await transports(plain(server.port, timeout=0.3)).send(build_mail(make_mail()))

    assert result.outcome is Outcome.RETRY and result.code is None
    assert server.handler.envelopes == []


async def test_greeting_421_is_retried_and_554_fails(raw_server, make_mail, transports):
    busy = await raw_server(b"421 4.3.2 Service not available, closing\r\n")
    refused = await raw_server(b"554 5.7.1 No SMTP service for you\r\n")

    first = await transports(plain(busy)).send(build_mail(make_mail()))
    second = await transports(plain(refused)).send(build_mail(make_mail()))

    assert (first.outcome, first.code, first.pause_relay) == (Outcome.RETRY, 421, True)
    assert (second.outcome, second.code, second.pause_relay) == (Outcome.FAILED, 554, True)


async def test_silent_server_and_closed_port_are_retried(raw_server, make_mail, transports):
    silent = await raw_server(None, close=False)
    closed = await raw_server(None)  # accepts and hangs up at once

    stalled = await transports(plain(silent, timeout=0.3)).send(build_mail(make_mail()))
    dropped = await transports(plain(closed)).send(build_mail(make_mail()))

    assert (stalled.outcome, stalled.code, stalled.pause_relay) == (Outcome.RETRY, None, True)
    assert (dropped.outcome, dropped.code) == (Outcome.RETRY, None)


async def test_dot_stuffing_preserves_lines_starting_with_a_dot(smtp_server, make_mail, transports):
    server = await smtp_server()
    mail = build_mail(make_mail(text=".\n.. two dots\n.end\n", html=None))

    assert (await transports(plain(server.port)).send(mail)).outcome is Outcome.SENT
    assert server.handler.envelopes[0].original_content == mail.data
