"""A local SMTP server that stores every received mail as an ``.eml`` file.

Used by the demo set-up and by tests instead of a real relay: nothing leaves the machine and
each message can be opened in any mail program. The bytes are stored exactly as received
(``envelope.original_content``), so DKIM signatures and line endings can be checked. Files
are written atomically (temporary file, fsync, rename), so a reader never sees half a mail.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _CaptureHandler:
    def __init__(self, outbox_dir: Path) -> None:
        self.outbox_dir = outbox_dir
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        with self._lock:
            n = next(self._counter)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        _write_atomically(self.outbox_dir / f"{stamp}-{n}.eml", bytes(raw))
        return "250 2.0.0 OK stored"


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _AnyPortController(Controller):
    """aiosmtpd's Controller, but port 0 binds a free port and reports it back."""

    def _create_server(self) -> Any:
        return self._bind()

    async def _bind(self) -> Any:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
        )
        self.port = server.sockets[0].getsockname()[1]
        return server


class MailCapture:
    """``start()`` serves SMTP (with SMTPUTF8) in a background thread; ``stop()`` ends it."""

    def __init__(self, outbox_dir: Path, host: str = "127.0.0.1", port: int = 1025) -> None:
        self.outbox_dir = Path(outbox_dir)
        self.host = host
        self._port = port
        self._controller: _AnyPortController | None = None

    @property
    def port(self) -> int:
        """The bound port (the real one when constructed with port 0 and started)."""
        return self._controller.port if self._controller is not None else self._port

    def start(self) -> None:
        if self._controller is not None:
            raise RuntimeError("mail capture already running")
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        controller = _AnyPortController(
            _CaptureHandler(self.outbox_dir),
            hostname=self.host,
            port=self._port,
            enable_SMTPUTF8=True,
            ident="nurture mail capture",
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._port = self._controller.port
            self._controller = None

    def __enter__(self) -> MailCapture:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
