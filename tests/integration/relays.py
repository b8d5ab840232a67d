"""A real aiosmtpd relay in a thread of its own, scriptable enough for the operator-facing send tests.

Unlike the in-loop servers of tests/integration/smtp, it serves while the test waits on a
subprocess (`nurture send`) or runs the CLI in-process: it can require a login (and refuse it),
answer scripted replies to RCPT, and take its time before answering the final dot.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from .conftest import free_port

USER, PASSWORD = "mailer", "right-Pässword"


@dataclass
class Relay:
    port: int = 0
    rcpt: list[str] = field(default_factory=list)  # replies to the next RCPT commands, in order; then 250
    data_delay: float = 0.0  # seconds to wait before answering the final dot (the mail counts as received)
    accept_any_login: bool = False  # take any password (the account "fixed" at the provider)
    received: list[bytes] = field(default_factory=list)
    logins: int = 0  # AUTH attempts, right or wrong (a client may try several mechanisms on one connection)
    login_peers: set[object] = field(default_factory=set)  # the connections that tried to log in
    lock: threading.Lock = field(default_factory=threading.Lock)

    def authenticator(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
        with self.lock:
            self.logins += 1
            self.login_peers.add(session.peer)
        ok = isinstance(auth_data, LoginPassword) and (
            self.accept_any_login or (auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode())
        )
        return AuthResult(success=ok, handled=False)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802
        with self.lock:
            reply = self.rcpt.pop(0) if self.rcpt else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        with self.lock:
            self.received.append(envelope.original_content or envelope.content)
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 2.0.0 OK queued"


@contextmanager
def running_relay(*, with_auth: bool = False, **script: object) -> Iterator[Relay]:
    """A relay on a free port of 127.0.0.1 (requiring a login over plain SMTP when `with_auth`)."""
    relay = Relay(**script)  # type: ignore[arg-type]
    relay.port = free_port()
    extra: dict[str, object] = {"authenticator": relay.authenticator, "auth_require_tls": False} if with_auth else {}
    controller = Controller(relay, hostname="127.0.0.1", port=relay.port, enable_SMTPUTF8=True, **extra)
    controller.start()
    try:
        yield relay
    finally:
        controller.stop()
