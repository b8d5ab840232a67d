"""A counting SMTP sink in a process of its own, standing in for the user's relay.

A relay runs on another machine: it never shares the sender's CPU or interpreter lock. So the
send benchmark starts this sink as a separate process and talks to it over stdin/stdout:
`reset` clears the counters, `stats` prints one JSON line (messages received, first and last
arrival on the monotonic clock of this machine), `quit` stops it.

`--delay S` waits S seconds before every reply — the greeting, each EHLO, MAIL, RCPT, the 354
after DATA, the reply to the final dot, RSET, NOOP and QUIT — once per reply, however many
lines it has: what a relay a round trip away costs a client that waits for each answer.
Usage: python bench/sink.py [--delay 0.02] (prints "ready PORT" once it listens on 127.0.0.1)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import threading
import time
from typing import Any, AnyStr

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Counter:
    """What arrived: counted when the message is complete, before its final reply."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.count = 0
            self.first: float | None = None
            self.last: float | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        at = time.monotonic()
        with self.lock:
            self.count += 1
            self.first = at if self.first is None else self.first
            self.last = at
        return "250 queued"

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"count": self.count, "first": self.first, "last": self.last}


class DelayedSMTP(SMTP):
    """Every reply waits `delay` seconds before it is written (multi-line replies: once, before the last line)."""

    delay = 0.0

    async def push(self, status: AnyStr) -> None:
        line = status.encode() if isinstance(status, str) else status
        if self.delay and line[3:4] != b"-":
            await asyncio.sleep(self.delay)
        await super().push(status)


class DelayedController(Controller):
    def __init__(self, handler: Counter, delay: float, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.delay = delay

    def factory(self) -> SMTP:
        server = DelayedSMTP(self.handler, **self.SMTP_kwargs)
        server.delay = self.delay
        return server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    counter = Counter()
    port = free_port()
    controller = DelayedController(counter, args.delay, hostname="127.0.0.1", port=port)
    controller.start()
    print(f"ready {port}", flush=True)
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "reset":
                counter.reset()
                print("ok", flush=True)
            elif command == "stats":
                print(json.dumps(counter.stats()), flush=True)
            elif command == "quit":
                break
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
