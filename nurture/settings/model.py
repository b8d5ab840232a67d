"""The sections of `config/nurture.toml` as pydantic models, with messages a marketer can act on.

Every validator raises one `PydanticCustomError` of type `nurture` whose message is the whole
sentence after `[section] key = value ` ('is not a duration; write it like "21d"'), so the loader
only has to put the file, line and value in front. The example in each message is the one the
shipped config uses for that key. Values from environment variables arrive as text, so every
validator also reads the text form of its type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import available_timezones

import idna
from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from nurture.domain.email_address import InvalidEmail, normalise_email
from nurture.domain.vocabulary import COUNTRY_CODES
from nurture.settings.durations import DurationTooLong, parse_duration, parse_time_of_day

ERROR_TYPE = "nurture"

LANGUAGES = ("de", "en")
FORMALITIES = ("formal", "informal")
CONSENTS = ("none", "opt_in", "existing_customer")
SECURITIES = ("none", "starttls", "tls")

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BIND = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+):(?P<port>\d{1,5})")
_DB_URL = re.compile(r"[a-z][a-z0-9+]*://\S*")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def fail(message: str) -> PydanticCustomError:
    """The error every validator raises: its message is shown after `[section] key = value `."""
    return PydanticCustomError(ERROR_TYPE, message)


@cache
def iana_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def quoted(options: Iterable[str]) -> str:
    return ", ".join(f'"{o}"' for o in options)


# -- validators: each returns a BeforeValidator that knows its key's example --------------------------------
def text(example: str = "", *, strip: bool = True) -> BeforeValidator:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise fail(f'is not text; write it in quotes like "{example}"')
        return value.strip() if strip else value

    return BeforeValidator(check)


def choice(options: tuple[str, ...], noun: str, *, upper: bool = False) -> BeforeValidator:
    def check(value: Any) -> str:
        if isinstance(value, str) and (value.strip().upper() if upper else value.strip()) in options:
            return value.strip().upper() if upper else value.strip()
        raise fail(f"is not a known {noun}; write one of {quoted(options)}")

    return BeforeValidator(check)


def country_code() -> BeforeValidator:
    def check(value: Any) -> str:
        if isinstance(value, str) and value.strip().upper() in COUNTRY_CODES:
            return value.strip().upper()
        raise fail('is not a country code; write the two-letter ISO 3166 code like "DE", "AT" or "CH"')

    return BeforeValidator(check)


def zone_name() -> BeforeValidator:
    def check(value: Any) -> str:
        if isinstance(value, str) and value.strip() in iana_zones():
            return value.strip()
        raise fail('is not a time zone; write an IANA name like "Europe/Berlin"')

    return BeforeValidator(check)


def duration(example: str, *, positive: bool = True) -> BeforeValidator:
    def check(value: Any) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            parsed = parse_duration(value)
        except DurationTooLong:
            raise fail(f'is longer than 100 years; write a shorter one like "{example}"') from None
        except ValueError:
            raise fail(f'is not a duration; write it like "{example}"') from None
        if positive and not parsed:
            raise fail(f'must be longer than nothing; write it like "{example}"')
        return parsed

    return BeforeValidator(check)


def time_of_day(example: str) -> BeforeValidator:
    def check(value: Any) -> time:
        if isinstance(value, time):
            return value.replace(second=0, microsecond=0, tzinfo=None)
        try:
            return parse_time_of_day(value)
        except ValueError:
            raise fail(f'is not a time of day; write it like "{example}" (24-hour clock)') from None

    return BeforeValidator(check)


def whole(example: int, low: int, high: int | None = None) -> BeforeValidator:
    def check(value: Any) -> int:
        if isinstance(value, bool):
            raise fail(f"is not a whole number; write it like {example}")
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            value = int(value)
        if not isinstance(value, int):
            raise fail(f"is not a whole number; write it like {example}")
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"of {low} or more"
            raise fail(f"is out of range; write a whole number {span}, like {example}")
        return value

    return BeforeValidator(check)


def flag() -> BeforeValidator:
    def check(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise fail("is not true or false; write true or false, without quotes")

    return BeforeValidator(check)


def email_address(example: str, *, optional: bool = True) -> BeforeValidator:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise fail(f'is not an e-mail address; write it in quotes like "{example}"')
        value = value.strip()
        if not value and optional:
            return ""
        try:
            normalise_email(value)
        except InvalidEmail:
            raise fail(f'is not an e-mail address; write it like "{example}"') from None
        return value

    return BeforeValidator(check)


def email_list(example: str) -> BeforeValidator:
    def check(value: Any) -> list[str]:
        if isinstance(value, str):
            value = _list_from_env(value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f'is not a list of e-mail addresses; write it like ["{example}"], or [] for nobody')
        for item in value:
            try:
                normalise_email(item)
            except InvalidEmail:
                raise fail(f'contains "{item}", which is not an e-mail address; write it like ["{example}"]') from None
        return [v.strip() for v in value]

    return BeforeValidator(check)


def _list_from_env(value: str) -> Any:
    """An environment variable holds a list as JSON (`["a", "b"]`) or as comma-separated text."""
    if value.strip().startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return [part.strip() for part in value.split(",") if part.strip()]


def env_name(example: str) -> BeforeValidator:
    def check(value: Any) -> str:
        if isinstance(value, str) and not value.strip():
            return example  # left empty: the usual variable, rather than one without a name
        if isinstance(value, str) and _ENV_NAME.fullmatch(value.strip()):
            return value.strip()
        raise fail(f'is not the name of an environment variable; write it like "{example}" '
                   "(the secret itself belongs in that variable, not in this file)")  # fmt: skip

    return BeforeValidator(check)


# What RFC 3986 allows in a URL: anything else (`<`, `"`, spaces, `{`) cannot go into a mail header.
_URL_SAFE = "/%:@!$&'()*+,;=-._~"
_URL_CHARS = re.compile(r"[A-Za-z0-9" + re.escape(_URL_SAFE) + r"\[\]]*")
MAX_URL = 500  # the link, plus the contact's part, must fit into one List-Unsubscribe header


def web_url() -> BeforeValidator:
    """A base URL that a contact's own link part is appended to, after a "/"."""
    example = '"https://example.com/u"'

    def check(value: Any) -> str:
        found = re.fullmatch(r"(https?://)([^\s/?#]+)(\S*)", value.strip()) if isinstance(value, str) else None
        if isinstance(value, str) and not value.strip():
            return ""
        if not found:
            raise fail(f'is not a web address; write it like {example}, or "" for none')
        scheme, host, path = found.groups()
        if "?" in path or "#" in path:
            raise fail("has a ? or # part, but nurture adds each contact's own link part after a /, which "
                       f'would end up inside it and break every unsubscribe link; write it like {example}')  # fmt: skip
        try:
            # An international domain is written the way a mail header can carry it (IDNA2008, as
            # for addresses: Python's own codec turns "straße" into a different domain).
            host = host if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise fail(f'has a domain that is not valid; write it like {example}') from None
        url = scheme + host + quote(path, safe=_URL_SAFE)
        if not _URL_CHARS.fullmatch(url[len(scheme) :]):
            raise fail('contains characters a web address cannot have (like < > " { } or a backslash); '
                       f"write it like {example}")  # fmt: skip
        if len(url) > MAX_URL:
            raise fail(f"is longer than {MAX_URL} characters; use a shorter address like {example}")
        return url

    return BeforeValidator(check)


def server_name(example: str) -> BeforeValidator:
    """A host name or IP address alone: the port has a key of its own, and there is no scheme."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise fail(f'is not text; write it in quotes like "{example}"')
        value = value.strip()
        if "://" in value:
            raise fail(f'should be the server name alone, without "{value.split("://")[0]}://"; write it like "{example}"')
        if re.fullmatch(r"[^:\[\]]+:\d+", value):
            name, port = value.rsplit(":", 1)
            raise fail(f'has the port in it; write host = "{name}" and port = {port} on its own line')
        if any(c.isspace() or not c.isprintable() for c in value) or "/" in value or "@" in value:
            raise fail(f'is not a server name; write it like "{example}" (no spaces, no path)')
        return value

    return BeforeValidator(check)


def path_text(example: str) -> BeforeValidator:
    """A file or folder path; empty would silently mean the config's own folder."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise fail(f'is not text; write it in quotes like "{example}"')
        if not value.strip():
            raise fail(f'is empty; write the path like "{example}" (relative to the folder of this file)')
        return value.strip()

    return BeforeValidator(check)


# The databases (and drivers) nurture installs; a plain postgresql:// or postgres:// URL means psycopg.
_DB_SCHEMES = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite+pysqlite", "postgresql+psycopg": "postgresql+psycopg",
               "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}  # fmt: skip
_DB_EXAMPLES = 'write it like "sqlite:///var/nurture.db" or "postgresql+psycopg://user@host/db"'


def database_url() -> BeforeValidator:
    def check(value: Any) -> str:
        if not (isinstance(value, str) and _DB_URL.fullmatch(value.strip())):
            raise fail(f"is not a database URL; {_DB_EXAMPLES}")
        scheme, rest = value.strip().split("://", 1)
        if scheme.lower() not in _DB_SCHEMES:
            raise fail(f"is not a database nurture works with; {_DB_EXAMPLES}")
        return f"{_DB_SCHEMES[scheme.lower()]}://{rest}"

    return BeforeValidator(check)


def bind_address() -> BeforeValidator:
    def check(value: Any) -> str:
        found = _BIND.fullmatch(value.strip()) if isinstance(value, str) else None
        if found and 0 < int(found.group("port")) < 65536:
            return value.strip()
        raise fail('is not a host:port address; write it like "127.0.0.1:8080"')

    return BeforeValidator(check)


def phrases() -> BeforeValidator:
    def check(value: Any) -> dict[str, list[str]]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        hint = 'write it like { de = ["Phrase"], en = [] }'
        if not isinstance(value, dict):
            raise fail(f"is not a table of phrases per language; {hint}")
        result: dict[str, list[str]] = {language: [] for language in LANGUAGES}
        for language, items in value.items():
            if language not in LANGUAGES:
                raise fail(f'has the language "{language}", which is not one of {quoted(LANGUAGES)}; {hint}')
            if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
                raise fail(f"{language} is not a list of phrases in quotes; {hint}")
            result[language] = [i.strip() for i in items]
        return result

    return BeforeValidator(check)


def reconnect_after() -> BeforeValidator:
    def check(value: Any) -> timedelta | bool:
        if value is False or (isinstance(value, str) and value.strip().lower() in _FALSE):
            return False
        if isinstance(value, timedelta) and value:
            return value
        try:
            parsed = parse_duration(value)
        except DurationTooLong:
            raise fail('is longer than 100 years; write a shorter one like "180d", or false to switch it off') from None
        except ValueError:
            parsed = None
        if not parsed:
            raise fail('is neither a duration nor false; write it like "180d", or false to switch it off')
        return parsed

    return BeforeValidator(check)


def field_error(key: str, message: str) -> PydanticCustomError:
    """A problem found by comparing keys: reported on the line of `key`."""
    return PydanticCustomError(ERROR_TYPE, message, {"key": key})


# -- sections ---------------------------------------------------------------------------------------------
class Section(BaseModel):
    """Unknown keys are errors (a typo must not pass silently); values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)


class General(Section):
    timezone: Annotated[str, zone_name()] = "Europe/Berlin"
    language: Annotated[str, choice(LANGUAGES, "language")] = "de"
    country: Annotated[str, country_code()] = "DE"
    formality: Annotated[str, choice(FORMALITIES, "formality")] = "formal"
    consent: Annotated[str, choice(CONSENTS, "consent")] = "none"


class Paths(Section):
    templates: Annotated[str, path_text("../templates")] = "../templates"
    content: Annotated[str, path_text("content.toml")] = "content.toml"


class Database(Section):
    url: Annotated[str, database_url()] = "sqlite:///var/nurture.db"


class Sender(Section):
    name: Annotated[str, text("Jana Beispiel")] = ""
    email: Annotated[str, email_address("jana@example.com")] = ""
    reply_to: Annotated[str, email_address("jana@example.com")] = ""
    organisation: Annotated[str, text("Beispiel GmbH")] = ""
    postal_address: Annotated[str, text("Musterstraße 1, 12345 Musterstadt")] = ""
    legal_notice: Annotated[str, text("Beispiel GmbH, Sitz Musterstadt, Amtsgericht Musterstadt HRB 12345")] = ""
    unsubscribe_url: Annotated[str, web_url()] = ""
    dkim_selector: Annotated[str, text("mail2026")] = ""
    dkim_domain: Annotated[str, text("example.com")] = ""
    dkim_key_file: Annotated[str, text("dkim/mail2026.pem")] = ""

    @model_validator(mode="after")
    def _dkim_complete(self) -> Sender:
        given = [k for k in ("dkim_selector", "dkim_domain", "dkim_key_file") if getattr(self, k)]
        if given and len(given) < 3:
            missing = [k for k in ("dkim_selector", "dkim_domain", "dkim_key_file") if k not in given]
            raise field_error(given[0], f"needs {' and '.join(missing)} as well; give all three DKIM keys, "
                                        "or leave all three empty to send unsigned")  # fmt: skip
        return self


class Smtp(Section):
    host: Annotated[str, server_name("smtp.example.com")] = "127.0.0.1"
    port: Annotated[int, whole(587, 1, 65535)] = 1025
    security: Annotated[str, choice(SECURITIES, "security mode")] = "none"
    username: Annotated[str, text("jana@example.com")] = ""
    password_env: Annotated[str, env_name("NURTURE_SMTP_PASSWORD")] = "NURTURE_SMTP_PASSWORD"
    max_per_minute: Annotated[int, whole(120, 0)] = 120
    concurrency: Annotated[int, whole(4, 1, 64)] = 4
    # Messages a connection hands over per transaction at most (fewer under a rate cap): faster
    # with more, and after a crash up to this many per connection wait in review.
    batch: Annotated[int, whole(8, 1, 100)] = 8
    timeout: Annotated[timedelta, duration("30s")] = timedelta(seconds=30)
    # RFC 5321 §4.5.3.2.6: at least 10 minutes for the reply to the final dot; giving up sooner
    # turns a slow but accepted message into a "delivery uncertain" one.
    data_timeout: Annotated[timedelta, duration("10m")] = timedelta(minutes=10)
    max_attempts: Annotated[int, whole(8, 1, 100)] = 8
    retry_after: Annotated[timedelta, duration("5m")] = timedelta(minutes=5)

    @model_validator(mode="after")
    def _host_given(self) -> Smtp:
        if not self.host:
            raise field_error("host", 'is empty; write the mail server\'s name like "smtp.example.com"')
        return self


class Schedule(Section):
    plan_every: Annotated[timedelta, duration("1h")] = timedelta(hours=1)
    send_every: Annotated[timedelta, duration("1m")] = timedelta(minutes=1)
    horizon: Annotated[timedelta, duration("14d")] = timedelta(days=14)
    # Planned messages get their words this long before they are due (and whenever opened).
    compose_ahead: Annotated[timedelta, duration("3d")] = timedelta(days=3)
    digest_at: Annotated[time, time_of_day("08:00")] = time(8, 0)
    digest_to: Annotated[list[str], email_list("jana@example.com")] = []
    maintenance_every: Annotated[timedelta, duration("5m")] = timedelta(minutes=5)


class SendWindow(Section):
    start: Annotated[time, time_of_day("08:30")] = time(8, 30)
    end: Annotated[time, time_of_day("17:00")] = time(17, 0)
    weekdays_only: Annotated[bool, flag()] = True

    @model_validator(mode="after")
    def _start_before_end(self) -> SendWindow:
        if self.start >= self.end:
            raise field_error("start", f'is not before end = "{self.end:%H:%M}"; the window opens at start and '
                                       'closes at end on the same day, like start = "08:30", end = "17:00"')  # fmt: skip
        return self


class Cadence(Section):
    A: Annotated[timedelta, duration("21d")] = timedelta(days=21)
    B: Annotated[timedelta, duration("45d")] = timedelta(days=45)
    C: Annotated[timedelta, duration("90d")] = timedelta(days=90)
    connector_degree: Annotated[int, whole(5, 0)] = 5


class Caps(Section):
    max_per_contact: Annotated[int, whole(2, 0)] = 2
    window: Annotated[timedelta, duration("30d")] = timedelta(days=30)
    content_gap: Annotated[timedelta, duration("14d", positive=False)] = timedelta(days=14)


class Occasions(Section):
    birthday: Annotated[bool, flag()] = True
    job_change: Annotated[bool, flag()] = True
    promotion: Annotated[bool, flag()] = True
    work_anniversary: Annotated[bool, flag()] = True
    publication: Annotated[bool, flag()] = True
    achievement: Annotated[bool, flag()] = True
    content_drop: Annotated[bool, flag()] = True
    reconnect: Annotated[timedelta | bool, reconnect_after()] = timedelta(days=180)


def _no_phrases() -> dict[str, list[str]]:
    return {language: [] for language in LANGUAGES}


class Guard(Section):
    extra_phrases: Annotated[dict[str, list[str]], phrases()] = _no_phrases()
    allow_phrases: Annotated[dict[str, list[str]], phrases()] = _no_phrases()


class Web(Section):
    bind: Annotated[str, bind_address()] = "127.0.0.1:8080"
    password_env: Annotated[str, env_name("NURTURE_WEB_PASSWORD")] = "NURTURE_WEB_PASSWORD"
    secret_key_env: Annotated[str, env_name("NURTURE_SECRET_KEY")] = "NURTURE_SECRET_KEY"
    secure_cookies: Annotated[bool, flag()] = False


class SettingsModel(Section):
    """The whole file: one attribute per `[section]`; a missing section takes its defaults."""

    general: General = General()
    paths: Paths = Paths()
    database: Database = Database()
    sender: Sender = Sender()
    smtp: Smtp = Smtp()
    schedule: Schedule = Schedule()
    send_window: SendWindow = SendWindow()
    cadence: Cadence = Cadence()
    caps: Caps = Caps()
    occasions: Occasions = Occasions()
    guard: Guard = Guard()
    web: Web = Web()


SECTIONS: dict[str, type[Section]] = {
    name: info.annotation  # type: ignore[misc]
    for name, info in SettingsModel.model_fields.items()
}

# -- the loaded configuration ---------------------------------------------------------------------------
SECRET_KEYS: tuple[tuple[str, str], ...] = (("smtp", "password_env"), ("web", "password_env"), ("web", "secret_key_env"))


@dataclass(frozen=True)
class Settings:
    """The validated configuration, with paths resolved against the config file's folder.

    Secrets are not attributes: they are read on demand from the environment variable a `*_env`
    key names, or from the file that `<VARIABLE>_FILE` names. Only those variables are kept, and
    never in repr/str, so printing or logging a Settings object cannot leak them.
    """

    general: General
    paths: Paths
    database: Database
    sender: Sender
    smtp: Smtp
    schedule: Schedule
    send_window: SendWindow
    cadence: Cadence
    caps: Caps
    occasions: Occasions
    guard: Guard
    web: Web
    config_path: Path
    templates_dir: Path
    content_path: Path
    _secrets: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def resolve(self, path: str | Path) -> Path:
        """A path from the config, relative to the config file's folder (absolute paths stay)."""
        return (self.config_path.parent / Path(path).expanduser()).resolve()

    def secret(self, variable: str) -> str | None:
        """The value of `variable`, or the content of the file `<variable>_FILE` names; None if unset."""
        if not variable:
            return None
        value = self._secrets.get(variable)
        if value:
            return value
        file = self._secrets.get(f"{variable}_FILE")
        if not file:
            return None
        try:
            content = Path(file).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return content.rstrip("\r\n") or None

    def smtp_password(self) -> str | None:
        return self.secret(self.smtp.password_env)

    def web_password(self) -> str | None:
        return self.secret(self.web.password_env)

    def secret_key(self) -> bytes | None:
        value = self.secret(self.web.secret_key_env)
        return value.encode("utf-8") if value else None

    def secret_variables(self) -> tuple[str, ...]:
        """The environment variables that may hold secrets, for messages that tell where to put one."""
        return tuple(getattr(getattr(self, section), key) for section, key in SECRET_KEYS)
