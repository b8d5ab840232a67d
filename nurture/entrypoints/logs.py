"""Logging for the daemon: readable lines by default, JSON lines with `--log-format json`."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# `scheme://user:password@host`: the password part, wherever a URL lands in a message or traceback.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@\s/]+@", re.IGNORECASE)
_SECRETS: set[str] = set()


def hide_secrets(*values: str | bytes | None) -> None:
    """Never log these values (SMTP and web passwords, the secret key): each shows as *** from now on."""
    for value in values:
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="ignore")
        if value and len(value.strip()) >= 4:  # a shorter one would blank out ordinary words
            _SECRETS.add(value)


def redact(text: str) -> str:
    """`text` without URL passwords and without any value given to `hide_secrets`."""
    text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            data.update({k: redact(v) if isinstance(v, str) else v for k, v in extra.items()})
        if record.exc_info:
            data["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict) and extra:
            line += "  " + " ".join(f"{k}={v}" for k, v in extra.items())
        return redact(line)


def setup_logging(fmt: str = "text", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apscheduler", "aiosmtplib", "mail.log", "uvicorn.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A send run longer than `send_every` is normal; the scheduler's "skipped: maximum number of
    # running instances" warning every tick would bury the real news. Job errors still show.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
