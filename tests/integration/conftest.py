"""Fixtures for the integration tests: a scripted SMTP server on loopback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ScriptedHandler:
    """Replies from a script: a list of replies per phase, consumed in order; then 250."""

    rcpt: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    received: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        with self.lock:
            reply = self.rcpt.pop(0) if self.rcpt else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            reply = self.data.pop(0) if self.data else None
        if reply:
            return reply
        with self.lock:
            self.received.append(envelope.original_content or envelope.content)
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[ScriptedHandler, int]]:
    handler = ScriptedHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


