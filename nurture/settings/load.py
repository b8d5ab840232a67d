"""Reading `config/nurture.toml` plus `NURTURE_<SECTION>__<KEY>` overrides into `Settings`.

Order: environment > file > defaults. Every problem is collected before anything fails, so
`nurture check` can list them all, each as `path:line: [section] key = value what-to-do`. tomllib
keeps no line numbers, so the lines come from scanning the file text for headers and keys; a
value from the environment is located by the variable's name instead.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nurture.errors import ConfigError, Location, Problem
from nurture.settings.model import ERROR_TYPE, SECRET_KEYS, SECTIONS, Settings, SettingsModel

ENV_PREFIX = "NURTURE_"
ENV_DELIMITER = "__"
SECRET_LIKE = ("password", "secret", "secret_key", "token", "api_key")

_HEADER = re.compile(r"\[\[?\s*([^\]]*?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=""")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


# -- lines --------------------------------------------------------------------------------------------
class LineIndex:
    """Where each `[section]` and each `key` inside it is written, by a plain scan of the text."""

    def __init__(self, text: str) -> None:
        self.sections: dict[str, int] = {}
        self.keys: dict[tuple[str, str], int] = {}
        section, open_quote = "", ""
        # TOML ends lines only at LF (CRLF included); str.splitlines() would also split at U+0085 or
        # U+2028 inside a string value and shift every line number after it.
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.strip()
            if open_quote:
                if line.count(open_quote) % 2:
                    open_quote = ""
                continue
            if line.startswith("["):
                header = _HEADER.match(line)
                if header:
                    parts = [_unquote(p) for p in header.group(1).split(".")]
                    section = ".".join(parts)
                    self.sections.setdefault(section, number)
                    # `[caps.sub]` or `[[caps]]` is where a wrong shape of [caps] is written.
                    self._note_path(parts, number)
                continue
            found = _KEY.match(line)
            if not found:
                continue
            parts = [_unquote(p) for p in found.group(1).split(".")]
            # `sub.x = 1` below [caps] is where [caps] sub is written; `caps = { ... }` is where [caps] is.
            self._note_path([*([section] if section else []), *parts], number)
            rest = line[found.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2:
                    open_quote = quote

    def _note_path(self, parts: list[str], number: int) -> None:
        for depth in range(1, len(parts) + 1):
            self.keys.setdefault((".".join(parts[: depth - 1]), parts[depth - 1]), number)

    def line(self, section: str, key: str | None = None) -> int | None:
        if key is not None and (section, key) in self.keys:
            return self.keys[(section, key)]
        return self.sections.get(section) or self.keys.get(("", section))


def _unquote(name: str) -> str:
    name = name.strip()
    return name[1:-1] if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'" else name


# -- values as they are written -------------------------------------------------------------------------
def toml_literal(value: Any, limit: int = 80) -> str:
    """The value the way it looks in TOML, so the message repeats what the user wrote."""
    if isinstance(value, bool):
        shown = "true" if value else "false"
    elif isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, int | float):
        shown = str(value)
    elif isinstance(value, datetime | date | time):
        shown = value.isoformat()
    elif isinstance(value, list):
        shown = "[" + ", ".join(toml_literal(v, limit) for v in value) + "]"
    elif isinstance(value, dict):
        shown = "{ " + ", ".join(f"{k} = {toml_literal(v, limit)}" for k, v in value.items()) + " }"
    else:
        shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


# -- loading ------------------------------------------------------------------------------------------
class _Collector:
    """Turns findings into Problems located in the file, or at the environment variable that set them."""

    def __init__(self, shown_path: str, lines: LineIndex) -> None:
        self.shown_path = shown_path
        self.lines = lines
        self.from_env: dict[tuple[str, str], str] = {}
        self.problems: list[Problem] = []

    def where(self, section: str, key: str | None = None) -> Location:
        if key is not None and (section, key) in self.from_env:
            return Location(self.from_env[(section, key)])
        return Location(self.shown_path, self.lines.line(section, key))

    def add(self, location: Location, message: str) -> None:
        self.problems.append(Problem(location, message))


def _known(names: Any) -> str:
    return ", ".join(names)


def _did_you_mean(name: str, known: Any, shown: str = '"{}"') -> str:
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {shown.format(by_lower[close[0]])}?)" if close else ""


def _unknown_key_message(section: str, key: str, known: list[str]) -> str:
    hint = _did_you_mean(key, known)
    message = f'[{section}] unknown key "{key}"{hint}; check the spelling (known keys: {_known(known)})'
    if any(word in key.lower() for word in SECRET_LIKE):
        message += (". A secret is never a key of its own: put it in the environment variable "
                    "that the section's *_env key names")
    return message


def _apply_environment(data: dict[str, Any], environ: Mapping[str, str], out: _Collector) -> None:
    """`NURTURE_SMTP__PORT=2525` sets `[smtp] port`; names match sections and keys case-insensitively."""
    for name in sorted(environ):
        if not name.upper().startswith(ENV_PREFIX) or ENV_DELIMITER not in name[len(ENV_PREFIX) :]:
            continue
        section_part, _, key_part = name[len(ENV_PREFIX) :].partition(ENV_DELIMITER)
        section = section_part.lower()
        if section not in SECTIONS:
            hint = _did_you_mean(section_part, SECTIONS)
            out.add(Location(name), f'unknown section "{section_part}"{hint}; check the spelling '
                                    f"(known sections: {_known(SECTIONS)})")  # fmt: skip
            continue
        fields = list(SECTIONS[section].model_fields)
        matches = [f for f in fields if f.lower() == key_part.lower()]
        if not matches:
            out.add(Location(name), _unknown_key_message(section, key_part, fields))
            continue
        table = data.setdefault(section, {})
        if not isinstance(table, dict):
            table = data[section] = {}
        table[matches[0]] = environ[name]
        out.from_env[(section, matches[0])] = name


def _drop_unknown(data: dict[str, Any], out: _Collector) -> None:
    """Report and remove what the model does not know, so validation speaks only of real keys."""
    for section in list(data):
        value = data[section]
        if section not in SECTIONS:
            if isinstance(value, dict):
                hint = _did_you_mean(section, SECTIONS, "[{}]")
                message = f"unknown section [{section}]{hint}; check the spelling (known sections: {_known(SECTIONS)})"
            else:
                message = (f"{section} = {toml_literal(value)} is outside any section; move it below "
                           f"the [section] it belongs to (sections: {_known(SECTIONS)})")  # fmt: skip
            out.add(Location(out.shown_path, out.lines.line(section) or out.lines.line("", section)), message)
            del data[section]
            continue
        if not isinstance(value, dict):
            out.add(Location(out.shown_path, out.lines.line(section)),
                    f"{section} = {toml_literal(value)} should be a section; write [{section}] on a line "
                    "of its own with its keys below it")  # fmt: skip
            del data[section]
            continue
        fields = list(SECTIONS[section].model_fields)
        for key in list(value):
            if key not in fields:
                out.add(out.where(section, key), _unknown_key_message(section, key, fields))
                del value[key]


def _validate(data: dict[str, Any], out: _Collector) -> SettingsModel | None:
    try:
        return SettingsModel.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = [str(part) for part in error["loc"]]
            section = loc[0] if loc else ""
            key = loc[1] if len(loc) > 1 else (error.get("ctx") or {}).get("key")
            table = data.get(section, {})
            if key is None:
                out.add(out.where(section), f"[{section}] {error['msg']}")
                continue
            if key in table:
                value = table[key]
                if (section, key) == ("database", "url") and isinstance(value, str):
                    value = _without_password(value)  # the message reaches terminals and logs
                given = f" = {toml_literal(value)}"
            else:
                default = getattr(SECTIONS[section].model_fields.get(key), "default", None)
                given = f" = {toml_literal(_shown_default(default))}" if default is not None else ""
            message = error["msg"] if error["type"] == ERROR_TYPE else f"is not valid: {error['msg']}"
            out.add(out.where(section, key), f"[{section}] {key}{given} {message}")
        return None


def _without_password(url: str) -> str:
    """A database URL as it may be shown: `user:***@host` instead of the password."""
    import re

    return re.sub(r"^([^/]*?://[^:/@]*:).*@", r"\1***@", url)


def _shown_default(value: Any) -> Any:
    from nurture.settings.durations import format_duration, format_time_of_day

    if isinstance(value, time):
        return format_time_of_day(value)
    if hasattr(value, "total_seconds"):
        return format_duration(value)
    return value


def _check_secret_files(model: SettingsModel, environ: Mapping[str, str], out: _Collector) -> dict[str, str]:
    """Keep only the secret variables (and their `_FILE` forms); a named file must be readable."""
    kept: dict[str, str] = {}
    for section, key in SECRET_KEYS:
        variable = getattr(getattr(model, section), key)
        if not variable:
            continue
        if variable in environ:
            kept[variable] = environ[variable]
        file_variable = f"{variable}_FILE"
        if environ.get(file_variable):
            file = Path(environ[file_variable]).expanduser()
            try:
                file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
                out.add(Location(file_variable), f'cannot read the file "{file}" ({reason}); point '
                                                 f"{file_variable} at a readable file holding the secret, "
                                                 f"or set {variable} itself")  # fmt: skip
                continue
            kept[file_variable] = environ[file_variable]
    return kept


def _read(path: Path, shown: str) -> tuple[str | None, list[Problem]]:
    try:
        return path.read_text(encoding="utf-8-sig"), []
    except FileNotFoundError:
        return None, [Problem(Location(shown), "the configuration file does not exist; copy config/nurture.toml "
                                               f"from nurture to {shown}, adapt it, then run "
                                               f"`nurture check --config {shown}`")]  # fmt: skip
    except IsADirectoryError:
        return None, [Problem(Location(shown), "is a folder, not a configuration file; "
                                               "give the path of nurture.toml, e.g. --config config/nurture.toml")]
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return None, [Problem(Location(shown, line), "is not UTF-8 text; save the file as UTF-8")]
    except OSError as exc:
        return None, [Problem(Location(shown), f"cannot be read ({exc.strerror}); check its permissions")]


def check_settings(path: Path | str, environ: Mapping[str, str] | None = None) -> tuple[Settings | None, list[Problem]]:
    """The settings and every problem found; the settings are None when any problem is found."""
    shown = str(path)
    config_path = Path(path)
    env = dict(os.environ if environ is None else environ)
    text, problems = _read(config_path, shown)
    if text is None:
        return None, problems
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_AT.search(message)
        line = int(at.group(1)) if at else None
        detail = _TOML_AT.sub("", message)
        column = f" at column {at.group(2)}" if at else ""
        if at is None and message.endswith("(at end of document)"):
            # An array, table or string left open runs to the end: name the last line, say where to look.
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
            detail = message.removesuffix("(at end of document)").strip()
            column = " at the end of the file (a bracket or quote opened above is never closed)"
        if "Cannot overwrite" in detail or "Cannot declare" in detail:
            return None, [Problem(Location(shown, line), "this key or [section] is written twice in the file; delete "
                                                         "one of them (keep the value you want)")]  # fmt: skip
        return None, [Problem(Location(shown, line), f"this is not valid TOML: {detail}{column}; check the quotes, "
                                                     "brackets and `key = value` form of this line")]  # fmt: skip
    out = _Collector(shown, LineIndex(text))
    _drop_unknown(data, out)
    _apply_environment(data, env, out)
    model = _validate(data, out)
    if model is None or out.problems:
        return None, sorted(out.problems, key=_reading_order)
    secrets = _check_secret_files(model, env, out)
    if out.problems:
        return None, out.problems
    folder = config_path.parent
    settings = Settings(
        **{name: getattr(model, name) for name in SECTIONS},
        config_path=config_path,
        templates_dir=(folder / Path(model.paths.templates).expanduser()).resolve(),
        content_path=(folder / Path(model.paths.content).expanduser()).resolve(),
        _secrets=secrets,
    )
    return settings, []


def _reading_order(problem: Problem) -> tuple[bool, int]:
    """File problems from top to bottom, then those of environment variables (which have no line)."""
    return problem.location.line is None, problem.location.line or 0


def load_settings(path: Path | str, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings, or ConfigError carrying every problem at once."""
    settings, problems = check_settings(path, environ)
    if settings is None:
        raise ConfigError(problems)
    return settings


def sending_problems(settings: Settings) -> list[Problem]:
    """What only matters once mail goes out: a sender address, the footer, the secrets it needs."""
    lines = _lines_of(settings.config_path)
    shown = str(settings.config_path)

    def at(section: str, key: str) -> Location:
        return Location(shown, lines.line(section, key) if lines else None)

    problems: list[Problem] = []
    s = settings.sender
    required = (
        ("email", 'write the address your messages come from, like "jana@example.com"'),
        ("name", 'write the name your contacts know you by, like "Jana Beispiel"'),
    )
    for key, hint in required:
        if not getattr(s, key):
            problems.append(Problem(at("sender", key), f"[sender] {key} is empty; {hint}"))
    problems += footer_problems(settings)
    smtp = settings.smtp
    if smtp.username and not settings.smtp_password():
        variable = smtp.password_env or "NURTURE_SMTP_PASSWORD"
        problems.append(Problem(at("smtp", "username"),
                                f'[smtp] username = "{smtp.username}" needs a password; set the environment '
                                f"variable {variable} (or {variable}_FILE naming a file that holds it)"))  # fmt: skip
    if s.unsubscribe_url and not settings.secret_key():
        variable = settings.web.secret_key_env or "NURTURE_SECRET_KEY"
        problems.append(Problem(at("sender", "unsubscribe_url"),
                                "[sender] unsubscribe_url needs a secret key to sign the links; set the "
                                f"environment variable {variable} to a long random text "
                                f"(or {variable}_FILE naming a file that holds it)"))  # fmt: skip
    if s.dkim_key_file:
        key_file = settings.resolve(s.dkim_key_file)
        if not key_file.is_file():
            problems.append(Problem(at("sender", "dkim_key_file"),
                                    f'[sender] dkim_key_file = "{s.dkim_key_file}": there is no file {key_file}; '
                                    "give the path of the private key (PEM), relative to this file's folder"))  # fmt: skip
    return problems


# The Impressum under every message to a contact (German business mail must carry all three).
FOOTER_KEYS: tuple[tuple[str, str, str], ...] = (
    ("organisation", "your company's name", "Beispiel GmbH"),
    ("postal_address", "your postal address", "Musterstraße 1, 12345 Musterstadt"),
    ("legal_notice", "the legal notice (seat, register court and number, managing directors)",
     "Beispiel GmbH, Sitz Musterstadt, Amtsgericht Musterstadt HRB 12345"),
)


def footer_problems(settings: Settings, environ: Mapping[str, str] | None = None) -> list[Problem]:
    """An empty organisation, postal address or legal notice: each footer must show all three (Impressum).

    Reported where the key is written, or at the environment variable that emptied it; a key the
    file lacks is reported at its [sender] line with the line to add.
    """
    env = os.environ if environ is None else environ
    lines = _lines_of(settings.config_path)
    shown = str(settings.config_path)
    problems: list[Problem] = []
    for key, what, example in FOOTER_KEYS:
        if getattr(settings.sender, key):
            continue
        variable = next((n for n in env if n.upper() == f"{ENV_PREFIX}SENDER{ENV_DELIMITER}{key}".upper()), None)
        written = lines is not None and ("sender", key) in lines.keys
        why = "the footer of every message must show it (Impressum)"
        if variable is not None:
            problems.append(Problem(Location(variable), f"[sender] {key} is empty; set {variable} to {what}, "
                                                        f'like "{example}", or unset it: {why}'))  # fmt: skip
        elif written:
            problems.append(Problem(Location(shown, lines.line("sender", key) if lines else None),
                                    f'[sender] {key} is empty; write {what} in it, like {key} = "{example}": {why}'))
        else:
            problems.append(Problem(Location(shown, lines.line("sender") if lines else None),
                                    f'[sender] {key} is missing; add the line {key} = "{example}" (with {what}) '
                                    f"below [sender]: {why}"))  # fmt: skip
    return problems


def config_location(settings: Settings, section: str, key: str) -> Location:
    """Where `[section] key` is written in the settings' config file (the file alone if not found)."""
    lines = _lines_of(settings.config_path)
    return Location(str(settings.config_path), lines.line(section, key) if lines else None)


def _lines_of(path: Path) -> LineIndex | None:
    try:
        return LineIndex(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None
