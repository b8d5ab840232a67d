"""Submission of finished message bytes to the user's relay over one reused SMTP connection.

Each step of the dialogue is driven explicitly, so every failure is known by its phase and
mapped by :func:`nurture.outbox.policy.classify`:

* TLS is fail-closed. aiosmtplib's default (``start_tls=None``) silently stays in plaintext when
  STARTTLS is missing or stripped and still sends the password; here ``starttls`` means the
  upgrade happens or the attempt fails before any AUTH, and ``tls`` is implicit TLS.
* The message is sent with ``DATA`` and then the body written directly, so a lost reply is
  told apart: before the final dot nothing was accepted (retry); after it the relay may
  already have queued the message (RFC 1047), which is reported as UNCERTAIN and never
  resent automatically.
* Mail whose addresses need SMTPUTF8 is refused with a clear reason when the relay lacks it,
  instead of being mangled into an undeliverable form.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from dataclasses import dataclass, field

import aiosmtplib
from aiosmtplib import (
    SMTPDataError,
    SMTPException,
    SMTPHeloError,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)
from aiosmtplib.response import SMTPResponse

from nurture.outbox.policy import DeliveryResult, Outcome, classify
from nurture.rendering.mime import SerializedMail, wire_form

SECURITY_MODES = ("none", "starttls", "tls")

_LEADING_DOT = re.compile(rb"(?m)^\.")
# EHLO refused as unknown or unimplemented: RFC 5321 §4.1.1.1, the client falls back to HELO.
_NO_EHLO = (500, 501, 502, 504, 550)


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the relay. ``password`` comes from the environment and is never printed."""

    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    local_hostname: str | None = None
    data_timeout: float | None = None  # wait for the reply to the final dot; default: ``timeout``
    tls_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)  # private CA
    idle_check: float = 30.0  # a connection idle this long is probed with NOOP before reuse

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"smtp security must be one of {', '.join(SECURITY_MODES)}, not {self.security!r}")


def _dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: CRLF lines, leading dots doubled (RFC 5321 §4.5.2), then the final dot."""
    return _LEADING_DOT.sub(b"..", wire_form(data)) + b".\r\n"


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _unasked_reply(client: aiosmtplib.SMTP) -> bool:
    """Whether reply bytes arrived that no command has asked for yet (the dialogue is out of step)."""
    protocol = client.protocol
    return protocol is not None and bool(getattr(protocol, "_buffer", b""))


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        return f"timeout: {text}"
    return text


class SmtpTransport:
    """Sends :class:`SerializedMail` one at a time over a single, reused connection."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.connections_opened = 0
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self._last_used = 0.0

    # -- connection -------------------------------------------------------------------------

    def _new_client(self) -> aiosmtplib.SMTP:
        cfg = self.config
        return aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            timeout=cfg.timeout,
            local_hostname=cfg.local_hostname,
            use_tls=cfg.security == "tls",
            start_tls=False,  # upgraded explicitly below, fail-closed
            tls_context=cfg.tls_context,
        )

    async def _open(self) -> DeliveryResult | None:
        """Connect, secure and log in; returns why not, or None when the connection is ready."""
        cfg = self.config
        client = self._new_client()
        phase = "connect"
        try:
            await client.connect()
            self.connections_opened += 1
            phase = "ehlo"
            await self._hello(client)
            if cfg.security == "starttls":
                phase = "starttls"
                if not client.supports_extension("starttls"):
                    client.close()
                    return DeliveryResult(
                        Outcome.FAILED,
                        None,
                        f"{cfg.host}:{cfg.port} does not offer STARTTLS; refusing to continue without TLS",
                        pause_relay=True,
                    )
                await client.starttls()
                phase = "ehlo"
                await client.ehlo()
            if cfg.username:
                phase = "auth"
                if cfg.security != "none" and client.get_transport_info("sslcontext") is None:
                    client.close()
                    return DeliveryResult(Outcome.FAILED, None, "TLS is not active; AUTH refused", pause_relay=True)
                if not client.supports_extension("auth"):
                    client.close()
                    return DeliveryResult(
                        Outcome.FAILED, None, f"{cfg.host}:{cfg.port} does not offer AUTH", pause_relay=True
                    )
                await client.login(cfg.username, cfg.password or "")
        except SMTPResponseException as exc:
            client.close()
            return classify(phase, exc.code, exc.message)
        except (TimeoutError, SMTPException, OSError) as exc:
            client.close()
            tls = _tls_failure(exc)
            if tls is not None:
                return DeliveryResult(Outcome.FAILED, None, f"TLS failed: {tls}", pause_relay=True)
            if isinstance(exc, OSError | TimeoutError):
                return classify(phase, None, _describe(exc))
            # The relay cannot be used as configured (e.g. no suitable AUTH mechanism).
            return DeliveryResult(Outcome.FAILED, None, str(exc), pause_relay=True)
        self._client = client
        return None

    async def _hello(self, client: aiosmtplib.SMTP) -> None:
        """EHLO, or HELO for an old relay that knows no EHLO (when neither STARTTLS nor AUTH is needed)."""
        try:
            await client.ehlo()
        except SMTPHeloError as exc:
            if exc.code not in _NO_EHLO or self.config.security == "starttls" or self.config.username:
                raise
            await client.helo()

    async def _usable_client(self) -> tuple[aiosmtplib.SMTP | None, DeliveryResult | None, bool]:
        """The open connection (probing it if idle), else a fresh one: (client, failure, reused)."""
        client = self._client
        if client is not None and client.is_connected:
            if time.monotonic() - self._last_used < self.config.idle_check:
                return client, None, True
            try:
                await client.noop()
                return client, None, True
            except (TimeoutError, SMTPException, OSError):
                client.close()
        self._client = None
        failure = await self._open()
        return self._client, failure, False

    # -- public API -------------------------------------------------------------------------

    async def send(self, mail: SerializedMail) -> DeliveryResult:
        """Submit one message; never raises for SMTP or network trouble, it reports it."""
        async with self._lock:
            client, failure, reused = await self._usable_client()
            if failure is not None or client is None:
                return failure or DeliveryResult(Outcome.RETRY, None, "no connection", pause_relay=True)
            result, phase = await self._transaction(client, mail)
            if reused and phase == "mail" and (result.code is None or result.code == 421):
                # The relay dropped the idle connection; nothing of this message reached it.
                client.close()
                self._client = None
                failure = await self._open()
                if failure is not None or self._client is None:
                    return failure or result
                result, phase = await self._transaction(self._client, mail)
            self._last_used = time.monotonic()
            if self._client is not None and _unasked_reply(self._client):
                # The relay said more than was asked: the surplus would be taken as the reply to
                # the next message's commands (a stale "550 5.1.1" failing the wrong message).
                self._client.close()
            if self._client is not None and not self._client.is_connected:
                self._client = None
            return result

    async def supports_smtputf8(self) -> bool:
        """Whether the relay offers SMTPUTF8; raises ConnectionError when it cannot be reached."""
        async with self._lock:
            client, failure, _ = await self._usable_client()
            if failure is not None or client is None:
                raise ConnectionError(failure.text if failure else "no connection")
            return client.supports_extension("smtputf8")

    async def close(self) -> None:
        """QUIT politely; errors are irrelevant here because every message already has its outcome."""
        async with self._lock:
            client, self._client = self._client, None
            if client is None:
                return
            try:
                if client.is_connected:
                    await asyncio.wait_for(client.quit(), timeout=min(self.config.timeout, 5.0))
            except (TimeoutError, SMTPException, OSError):
                pass
            finally:
                client.close()

    # -- one transaction --------------------------------------------------------------------

    async def _transaction(self, client: aiosmtplib.SMTP, mail: SerializedMail) -> tuple[DeliveryResult, str]:
        if mail.smtputf8 and not client.supports_extension("smtputf8"):
            needs = next((a for a in (*mail.recipients, mail.sender) if not a.isascii()), mail.recipients[0])
            text = (f"the server does not support SMTPUTF8 needed for {needs}; send through a relay that offers "
                    "SMTPUTF8, or give the contact an address written in ASCII")  # fmt: skip
            return DeliveryResult(Outcome.FAILED, None, text), "mail"
        options: list[str] = []
        if client.supports_extension("size"):
            options.append(f"SIZE={len(mail.data)}")
        if mail.smtputf8:
            options.append("SMTPUTF8")
            if client.supports_extension("8bitmime"):
                options.append("BODY=8BITMIME")
        encoding = "utf-8" if mail.smtputf8 else "ascii"
        phase = "mail"
        try:
            await client.mail(mail.sender, options=options, encoding=encoding)
            phase = "rcpt"
            for recipient in mail.recipients:
                await client.rcpt(recipient, encoding=encoding)
            phase = "data"
            reply = await client.execute_command(b"DATA")
            if reply.code != 354:
                raise SMTPDataError(reply.code, reply.message)
            self._write_message(client, mail.data)
            phase = "data_end"
            reply = await self._final_reply(client)
            if not 200 <= reply.code < 300:
                raise SMTPDataError(reply.code, reply.message)
            return classify("data_end", reply.code, reply.message), phase
        except SMTPResponseException as exc:
            result = classify(phase, exc.code, exc.message)
            if result.outcome is Outcome.UNCERTAIN or not 400 <= exc.code < 600:
                # Not a refusal the dialogue expects: a garbled, endless or out-of-step reply.
                # The next reply could belong to this command, so the connection is not reused.
                client.close()
            else:
                await self._reset(client)
            return result, phase
        except (TimeoutError, SMTPServerDisconnected, SMTPTimeoutError, OSError) as exc:
            client.close()
            return classify(phase, None, _describe(exc)), phase
        except (SMTPException, ValueError) as exc:  # e.g. an address aiosmtplib refuses to put on the wire
            await self._reset(client)
            return DeliveryResult(Outcome.FAILED, None, f"not sendable: {exc}"), phase

    @staticmethod
    def _write_message(client: aiosmtplib.SMTP, data: bytes) -> None:
        """Hand the dot-stuffed body, final dot included, to the socket.

        Synchronous on purpose: the reply cannot arrive before ``read_response`` is waiting for
        it, because the event loop does not run in between.
        """
        protocol = client.protocol
        if protocol is None:
            raise SMTPServerDisconnected("Connection lost before the message was sent")
        protocol.write(_dot_stuffed(data))

    async def _final_reply(self, client: aiosmtplib.SMTP) -> SMTPResponse:
        protocol = client.protocol
        if protocol is None:
            raise SMTPServerDisconnected("Connection lost after the message was sent")
        timeout = self.config.data_timeout if self.config.data_timeout is not None else self.config.timeout
        try:
            return await protocol.read_response(timeout=timeout)
        except (SMTPServerDisconnected, SMTPTimeoutError):
            client.close()  # the dialogue is out of step now; never reuse this connection
            raise

    async def _reset(self, client: aiosmtplib.SMTP) -> None:
        """RSET after a refused transaction so the connection can carry the next message."""
        if not client.is_connected:
            return
        try:
            await client.rset()
        except (TimeoutError, SMTPException, OSError):
            client.close()
