"""An aiosmtpd server on 127.0.0.1 that misbehaves on cue, in each phase of the SMTP dialogue.

It runs in its own thread (aiosmtpd's Controller), so both the in-process dispatcher and
`nurture send` in a subprocess can reach it. Script a phase with :meth:`FaultHandler.on`;
each action is used once, in order, then the server behaves normally. Phases and actions:

* ``greeting``: a reply line such as ``"421 4.3.2 busy"`` instead of 220 (then close), or
  ``"stall:SECONDS"`` before the 220;
* ``mail`` / ``rcpt``: a reply line (``421`` also closes), ``"drop"`` (close without a reply)
  or ``"stall:SECONDS"`` (wait, then carry on);
* ``auth``: any action makes every AUTH attempt on that connection fail with ``535 5.7.8``;
* ``data`` (the DATA command): a reply line, ``"drop"``, ``"stall:SECONDS"`` (before the 354) or
  ``"drop_in_body"`` (answer 354, read one line of the body, then close while the rest is still
  being sent);
* ``data_end`` (after the final dot): a reply line (the message is refused, not kept),
  ``"accept_drop"`` (keep the message, close without a reply) or ``"stall:SECONDS"`` (keep the
  message, answer too late): the RFC 1047 window where the client cannot know.

``received`` holds the exact bytes of every message the server accepted.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, Session


def free_port() -> int:
    """A port nothing listens on right now (used for 'connection refused', then for the server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message_id(raw: bytes) -> str:
    """The Message-ID header of one received message."""
    return str(BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)["Message-ID"])


@dataclass
class FaultHandler:
    """Scripted faults per phase plus a record of connections and accepted messages."""

    script: dict[str, list[str]] = field(default_factory=dict)
    received: list[bytes] = field(default_factory=list)
    connections: int = 0
    refused_sessions: list[Session] = field(default_factory=list)  # kept alive: compared by identity
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, phase: str, *actions: str) -> FaultHandler:
        with self.lock:
            self.script.setdefault(phase, []).extend(actions)
        return self

    def take(self, phase: str) -> str | None:
        with self.lock:
            queue = self.script.get(phase)
            return queue.pop(0) if queue else None

    def pending(self) -> dict[str, list[str]]:
        """Scripted actions not used yet (a test checks that its fault really happened)."""
        with self.lock:
            return {phase: list(actions) for phase, actions in self.script.items() if actions}

    def message_ids(self) -> list[str]:
        with self.lock:
            return [message_id(raw) for raw in self.received]

    def authenticator(self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: object) -> AuthResult:  # fmt: skip
        """Accepts any login unless an ``auth`` fault is scripted: then every mechanism the client
        tries on that connection is refused (aiosmtplib moves on to the next one after a 535)."""
        with self.lock:
            refused = any(seen is session for seen in self.refused_sessions)
        if not refused and self.take("auth") is not None:
            with self.lock:
                self.refused_sessions.append(session)
            refused = True
        return AuthResult(success=not refused, handled=False)

    def _keep(self, envelope: Envelope) -> None:
        with self.lock:
            self.received.append(bytes(envelope.original_content or envelope.content or b""))

    async def _act(self, server: SMTPServer, action: str) -> str | None:
        """Carry out a MAIL/RCPT action; returns the reply to send, or None to carry on normally."""
        if action == "drop":
            assert server.transport is not None
            server.transport.close()
            await asyncio.sleep(3600)  # cancelled by the disconnect
            return None
        if action.startswith("stall:"):
            await asyncio.sleep(float(action.split(":", 1)[1]))
            return None
        if action.startswith("421"):
            assert server.transport is not None
            asyncio.get_running_loop().call_soon(server.transport.close)
        return action

    async def handle_MAIL(self, server: SMTPServer, session: Session, envelope: Envelope, address: str,  # noqa: N802
                          mail_options: list[str]) -> str:  # fmt: skip
        action = self.take("mail")
        if action is not None and (reply := await self._act(server, action)) is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server: SMTPServer, session: Session, envelope: Envelope, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:  # fmt: skip
        action = self.take("rcpt")
        if action is not None and (reply := await self._act(server, action)) is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str | None:  # noqa: N802
        action = self.take("data_end")
        if action is None:
            self._keep(envelope)
            return "250 2.0.0 OK queued"
        if action == "accept_drop":
            self._keep(envelope)
            assert server.transport is not None
            server.transport.close()
            await asyncio.sleep(3600)
            return None
        if action.startswith("stall:"):
            self._keep(envelope)  # accepted: the reply only comes too late
            await asyncio.sleep(float(action.split(":", 1)[1]))
            return "250 2.0.0 OK queued (late)"
        return action  # refused: not kept


class FaultSMTP(SMTPServer):
    """aiosmtpd's server plus scripted greetings and DATA-command faults."""

    event_handler: FaultHandler

    async def _handle_client(self) -> None:
        handler = self.event_handler
        with handler.lock:
            handler.connections += 1
        action = handler.take("greeting")
        if action is not None and action.startswith("stall:"):
            await asyncio.sleep(float(action.split(":", 1)[1]))
        elif action is not None:
            await self.push(action)
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802
        action = self.event_handler.take("data")
        if action is None:
            await super().smtp_DATA(arg)
            return
        assert self.transport is not None
        if action.startswith("stall:"):
            await asyncio.sleep(float(action.split(":", 1)[1]))
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


class _FaultController(Controller):
    def factory(self) -> FaultSMTP:
        return FaultSMTP(self.handler, **self.SMTP_kwargs)


class FaultServer:
    """One scripted server on a fixed port; may be started late (nothing listens until then)."""

    def __init__(self, port: int | None = None, *, with_auth: bool = False, **smtp_kwargs: Any) -> None:
        self.port = port or free_port()
        self.handler = FaultHandler()
        if with_auth:  # AUTH over plain text on loopback, so a login fault can be scripted
            smtp_kwargs |= {"authenticator": self.handler.authenticator, "auth_require_tls": False}
        self._smtp_kwargs = smtp_kwargs
        self._controller: _FaultController | None = None

    def start(self) -> FaultServer:
        controller = _FaultController(self.handler, hostname="127.0.0.1", port=self.port,
                                      server_hostname="mx.test", **self._smtp_kwargs)  # fmt: skip
        controller.start()
        self._controller = controller
        with self.handler.lock:
            self.handler.connections = 0  # the controller's own readiness probe does not count
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
