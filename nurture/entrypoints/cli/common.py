"""What every command shares: global options, loading the app, JSON output, progress, errors."""

from __future__ import annotations

import functools
import getpass
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from nurture.errors import ConfigError, NurtureError

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Options:
    config: str | None = None
    now: str | None = None
    json: bool = False

    @property
    def config_path(self) -> Path:
        return Path(self.config or os.environ.get("NURTURE_CONFIG") or "config/nurture.toml")

    @property
    def now_text(self) -> str | None:
        return self.now or os.environ.get("NURTURE_NOW") or None


def _store(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        opts = ctx.find_object(Options) or ctx.ensure_object(Options)
        if value not in (None, False):
            setattr(opts, name, value)
        return value

    return callback


def global_options(func: F) -> F:
    """--config, --now and --json on every command, as on the group (SPEC: global options)."""
    func = click.option("--json", "json_flag", is_flag=True, expose_value=False, callback=_store("json"),
                        help="Machine-readable output on stdout.")(func)  # fmt: skip
    func = click.option("--now", expose_value=False, callback=_store("now"), metavar="ISO-8601",
                        help="The clock for this command (default $NURTURE_NOW, else the real clock).")(func)  # fmt: skip
    func = click.option("--config", expose_value=False, callback=_store("config"), metavar="PATH",
                        help="Config file (default $NURTURE_CONFIG, else ./config/nurture.toml).")(func)  # fmt: skip
    return func


def opts() -> Options:
    return click.get_current_context().ensure_object(Options)


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def load_app(*, need_library: bool = False) -> Any:
    """Settings, clock and database wiring for a command; config problems end it with exit 1."""
    from nurture.clock import clock_from
    from nurture.entrypoints.app import App
    from nurture.settings import load_settings

    o = opts()
    try:
        settings = load_settings(o.config_path)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        fail(f"{len(exc.problems)} problem(s) in the configuration; fix them and try again "
             "(`nurture check` lists them all)")  # fmt: skip
    try:
        clock = clock_from(o.now_text, settings.general.timezone)
    except ValueError as exc:
        fail(str(exc))
    app = App(settings, clock)
    if need_library:
        _ = app.library
        for problem in app.library_problems:
            click.echo(f"warning: {problem}", err=True)
        if app.library_problems:
            click.echo("warning: the content items above are left out until the content library is fixed "
                       "(`nurture check` lists every problem); everything else goes on", err=True)  # fmt: skip
    return app


def handle_errors(func: F) -> F:
    """Our own errors become a plain message and exit 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            fail("fix the problems above and try again")
        except NurtureError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))

    return wrapper  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def actor(name: str | None = None) -> str:
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:
        return "cli"


class Progress:
    """A progress line on stderr, redrawn at most a few times a second (stdout stays clean)."""

    def __init__(self, label: str, total: int | None = None, interval: float = 0.25) -> None:
        self.label, self.total, self.interval = label, total, interval
        self.count = 0
        self._tty = sys.stderr.isatty()
        # Short work shows nothing; a log file (no terminal) gets a line every few seconds, not a flood.
        self._last = time.monotonic()
        if not self._tty:
            self.interval = max(interval, 5.0)
        self._shown = False

    def update(self, count: int | None = None, detail: str = "", fraction: float | None = None) -> None:
        self.count = self.count + 1 if count is None else count
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self._draw(detail, fraction)

    def _draw(self, detail: str, fraction: float | None) -> None:
        if fraction is None and self.total:
            fraction = self.count / self.total
        pct = f" {fraction * 100:5.1f}%" if fraction is not None else ""
        line = f"{self.label}:{pct} {self.count} {detail}".rstrip()
        if self._tty:
            click.echo("\r" + line.ljust(70), err=True, nl=False)
        else:
            click.echo(line, err=True)
        self._shown = True

    def done(self, detail: str = "") -> None:
        if self._shown and self._tty:
            click.echo("\r" + " " * 70 + "\r", err=True, nl=False)
