"""Real aiosmtpd servers on 127.0.0.1 inside the test's event loop, with scriptable failures.

``smtp_server(**aiosmtpd_kwargs)`` starts one server on a free port and returns a
:class:`Running` with its port and :class:`ScriptedHandler`. The handler records every
envelope (``original_content`` holds the exact bytes received), counts connections and AUTH
commands, and replays scripted actions per phase (``greeting`` needs :func:`raw_server`):

* a reply line such as ``"451 4.3.0 try later"`` (``421`` replies also close the connection),
* ``"drop"``: close the connection without a reply,
* ``"drop_in_body"`` (phase ``data`` only): answer 354, read one line of the body, then close,
* ``"stall:SECONDS"``: wait, then carry on normally; at ``data_end`` the envelope is recorded
  first, so a client that gives up has in fact been accepted (the RFC 1047 window).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio
import trustme
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from nurture.rendering.mime import OutgoingMail, make_message_id

USER, PASSWORD = "mailer", "s3cret-Pässword"


class ScriptedHandler:
    def __init__(self) -> None:
        self.script: dict[str, list[str]] = {}
        self.envelopes: list[Envelope] = []
        self.sessions: list[dict[str, object]] = []
        self.auth_commands: list[str] = []
        self.auth_logins: list[tuple[bytes, bytes]] = []
        self.connections = 0
        self.servers: list[SMTPServer] = []

    def on(self, phase: str, *actions: str) -> ScriptedHandler:
        self.script.setdefault(phase, []).extend(actions)
        return self

    def take(self, phase: str) -> str | None:
        queue = self.script.get(phase)
        return queue.pop(0) if queue else None

    def drop_all(self) -> None:
        for server in self.servers:
            if server.transport is not None:
                server.transport.close()

    def authenticator(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword)
        if ok:
            self.auth_logins.append((auth_data.login, auth_data.password))
            ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)

    async def _act(self, server: SMTPServer, action: str) -> str | None:
        if action == "drop":
            server.transport.close()
            await asyncio.sleep(3600)  # cancelled by the disconnect
            return None
        if action.startswith("stall:"):
            await asyncio.sleep(float(action.split(":", 1)[1]))
            return None
        if action.startswith("421"):
            asyncio.get_running_loop().call_soon(server.transport.close)
        return action

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        action = self.take("mail")
        if action is not None:
            reply = await self._act(server, action)
            if reply is not None:
                return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        action = self.take("rcpt")
        if action is not None:
            reply = await self._act(server, action)
            if reply is not None:
                return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope):
        action = self.take("data_end")
        if action is not None and not action.startswith("stall:"):
            reply = await self._act(server, action)
            if reply is not None:
                return reply
        self.envelopes.append(envelope)  # committed: from here on the message counts as accepted
        self.sessions.append(
            {
                "authenticated": session.authenticated,
                "tls": server.transport.get_extra_info("ssl_object") is not None,
            }
        )
        if action is not None:
            await self._act(server, action)
        return "250 2.0.0 OK queued"


class ScriptedSMTP(SMTPServer):
    """aiosmtpd's server plus connection counting, AUTH recording and DATA-command scripting."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None:  # not the STARTTLS re-entry
            self.event_handler.connections += 1
            self.event_handler.servers.append(self)
        super().connection_made(transport)

    async def smtp_AUTH(self, arg: str) -> None:
        self.event_handler.auth_commands.append(arg)
        await super().smtp_AUTH(arg)

    async def smtp_DATA(self, arg: str) -> None:
        action = self.event_handler.take("data")
        if action is None:
            await super().smtp_DATA(arg)
        elif action == "drop":
            self.transport.close()
        elif action == "drop_in_body":
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")
            self.transport.close()
        else:
            await self.push(action)
            if action.startswith("421"):
                self.transport.close()


@dataclass
class Running:
    port: int
    handler: ScriptedHandler


@pytest_asyncio.fixture
async def smtp_server() -> AsyncIterator[Callable[..., Awaitable[Running]]]:
    servers: list[asyncio.AbstractServer] = []

    async def start(
        handler: ScriptedHandler | None = None, *, implicit_tls: ssl.SSLContext | None = None, **kwargs: object
    ) -> Running:
        handler = handler or ScriptedHandler()
        if kwargs.pop("with_auth", False):
            kwargs["authenticator"] = handler.authenticator
        loop = asyncio.get_running_loop()
        factory = functools.partial(ScriptedSMTP, handler, hostname="mx.test", **kwargs)
        server = await loop.create_server(factory, host="127.0.0.1", port=0, ssl=implicit_tls)
        servers.append(server)
        return Running(server.sockets[0].getsockname()[1], handler)

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest_asyncio.fixture
async def raw_server() -> AsyncIterator[Callable[..., Awaitable[int]]]:
    """A bare TCP server that writes ``greeting`` (or nothing) and then closes or stays silent."""
    servers: list[asyncio.AbstractServer] = []

    async def start(greeting: bytes | None, *, close: bool = True) -> int:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if greeting is not None:
                writer.write(greeting)
                await writer.drain()
            if close:
                writer.close()
            else:
                await reader.read()  # stay silent until the client gives up

        server = await asyncio.start_server(serve, host="127.0.0.1", port=0)
        servers.append(server)
        return server.sockets[0].getsockname()[1]

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext
    untrusting_client: ssl.SSLContext


@pytest.fixture(scope="session")
def tls() -> Tls:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return Tls(server=server_ctx, client=client_ctx, untrusting_client=ssl.create_default_context())


def _outgoing(**overrides: object) -> OutgoingMail:
    values: dict[str, object] = {
        "from_name": "Jürgen Müller",
        "from_email": "jm@sender.example",
        "to_name": "Zoë Ångström",
        "to_email": "kunde@example.com",
        "reply_to": "jm@sender.example",
        "subject": "Alles Gute zum Geburtstag, Frau Ångström",
        "text": "Liebe Frau Ångström,\n\nalles Gute zum Geburtstag!\n\nJürgen Müller\n",
        "html": "<p>Liebe Frau Ångström,</p><p>alles Gute zum Geburtstag!</p>",
        "message_id": make_message_id("sender.example"),
        "date": datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        "list_unsubscribe_url": "https://sender.example/u/AbCdEfGhIjKlMnOpQr",
        "list_unsubscribe_mailto": "mailto:jm@sender.example?subject=unsubscribe",
        "extra_headers": (("X-Nurture-Message", "42"),),
    }
    values.update(overrides)
    return OutgoingMail(**values)  # type: ignore[arg-type]


@pytest.fixture
def make_mail() -> Callable[..., OutgoingMail]:
    """Builds a typical greeting (non-ASCII sender name, one-click unsubscribe), fields overridable."""
    return _outgoing


@pytest.fixture
def credentials() -> tuple[str, str]:
    """The login the ``with_auth=True`` servers accept."""
    return USER, PASSWORD
