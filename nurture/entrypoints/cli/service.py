"""Service commands: init, check, check-text, status, run, web, demo."""

from __future__ import annotations

import sys
from collections.abc import Callable
from html import escape
from pathlib import Path

import click

from nurture.entrypoints.cli import cli
from nurture.entrypoints.cli.common import emit_json, fail, global_options, handle_errors, load_app, opts


@cli.command("init")
@global_options
@handle_errors
def init() -> None:
    """Create or upgrade the database schema; safe to run again."""
    from nurture.adapters.db.engine import upgrade

    app = load_app()
    revision = upgrade(app.engine)
    click.echo(f"database ready at schema revision {revision} ({app.engine.url.render_as_string(hide_password=True)})")


def all_problems(config_path: Path) -> list:
    """Every problem of config, templates and content library, for `check`."""
    stopping, library = config_problems(config_path)
    return stopping + library


def config_problems(config_path: Path) -> tuple[list, list]:
    """(problems nurture cannot run with, problems of single content-library items).

    The first kind — the config itself, what sending needs (sender, footer, secrets, the DKIM
    key), the templates — stops a daemon from starting and a reload from being applied. An item
    with a problem is only left out of the library (until it is fixed), so those are kept apart:
    the daemon applies a reload despite them and says which items it leaves out.
    """
    from nurture.adapters.content_library import load_content_library
    from nurture.domain.guard import scan
    from nurture.rendering.lint import lint_templates
    from nurture.settings import check_settings, sending_problems

    settings, problems = check_settings(config_path)
    if settings is None:
        return problems, []
    problems += sending_problems(settings)
    extra, allow = settings.guard.extra_phrases, settings.guard.allow_phrases

    def guard(text: str, language: str, *, html: bool = False, **_: object) -> list:
        # The company's own [guard] phrases apply to templates as they do to messages.
        return scan(text, language, html=html, extra_phrases=tuple(extra.get(language, ())),
                    allow_phrases=tuple(allow.get(language, ())))  # fmt: skip

    if settings.templates_dir.is_dir():
        problems += lint_templates(settings.templates_dir, guard)
    else:
        from nurture.errors import Problem
        from nurture.settings.load import config_location

        problems.append(Problem(config_location(settings, "paths", "templates"),
                                f"[paths] templates: the folder {settings.templates_dir} does not exist; create it "
                                "(a copy of the shipped templates/ is a good start) or point [paths] templates at it"))  # fmt: skip
    items, content_problems = load_content_library(settings.content_path)
    return problems, content_problems + _offers_in_library(items, settings.content_path, guard)


def _offers_in_library(items: list, path: Path, guard: Callable[..., list]) -> list:
    """Each library item whose title, summary or link reads like an offer, at the item's line.

    A content drop quotes both, and the message is then blocked by the same guard; found here,
    the item can be reworded before any message is planned with it.
    """
    from nurture.errors import Location, Problem

    problems = []
    for item in items:
        found = [f"{finding.phrase} ({finding.rule}) in the {part}"
                 for part, text in (("title", item.title), ("summary", item.summary)) if text
                 for finding in guard(text, item.language)]  # fmt: skip
        # The link is checked as the message's HTML part carries it (a /shop or ?coupon= target).
        found += [f"{finding.phrase} ({finding.rule}) in the url"
                  for finding in guard(f'<a href="{escape(item.url)}">link</a>', item.language, html=True)]  # fmt: skip
        if found:
            problems.append(Problem(Location(str(path), item.line),
                                    f'item "{item.id}": ' + "; ".join(found) + "; this reads like a direct offer "
                                    "and blocks every message that shares the item: reword the title or summary "
                                    "without prices, discounts or sign-up calls (or link to the content itself, not "
                                    "a shop or pricing page), or, if the phrase is fine, add it "
                                    f"to [guard] allow_phrases under {item.language} in the config"))  # fmt: skip
    return problems


@cli.command("check")
@global_options
@handle_errors
def check() -> None:
    """Validate config, templates and content library; print every problem."""
    problems = all_problems(opts().config_path)
    if opts().json:
        emit_json([str(p) for p in problems])
    else:
        for p in problems:
            click.echo(str(p))
        click.echo("everything is fine" if not problems else f"{len(problems)} problem(s) found", err=True)
    if problems:
        sys.exit(1)


@cli.command("check-text")
@click.option("--language", required=True, type=click.Choice(["de", "en"]))
@click.argument("path", type=click.Path(path_type=Path))
@global_options
@handle_errors
def check_text(language: str, path: Path) -> None:
    """Run the offer guard on a text file: exit 0 clean, 3 with findings."""
    from nurture.domain.guard import scan

    if not path.is_file():
        fail(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    html = path.suffix.lower() in (".html", ".htm")
    extra, allow = _guard_phrases(language)
    findings = scan(text, language, html=html, extra_phrases=extra, allow_phrases=allow)
    if opts().json:
        emit_json([{"line": f.line, "col": f.col, "phrase": f.phrase, "rule": f.rule} for f in findings])
    else:
        for f in findings:
            click.echo(str(f))
    if findings:
        sys.exit(3)


def _guard_phrases(language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The config's `[guard]` phrases for `language`, as messages are checked with them.

    A draft checked here should meet the same guard as the messages; without a readable config
    the built-in rules alone apply (checking a text needs no database and no secrets), and the
    command says so.
    """
    from nurture.settings import check_settings

    path = opts().config_path
    if not path.is_file():
        return (), ()
    settings, problems = check_settings(path)
    if settings is None:
        click.echo(f"note: {path} has {len(problems)} problem(s) (`nurture check` lists them); its [guard] "
                   "phrases were not applied, the built-in rules were", err=True)  # fmt: skip
        return (), ()
    g = settings.guard
    return tuple(g.extra_phrases.get(language, ())), tuple(g.allow_phrases.get(language, ()))


@cli.command("status")
@global_options
@handle_errors
def status() -> None:
    """Last plan and send runs, queue counts per status."""
    from nurture.adapters.db.message_store import MessageStore
    from nurture.usecases.runs import last_runs

    app = load_app()
    with app.factory() as session:
        counts = MessageStore(session).counts()
        runs = last_runs(session)
    if opts().json:
        emit_json({"runs": runs, "queue": counts})
        return
    zone = app.settings.general.timezone
    for kind, run in runs.items():
        extra = f"  error: {run['error']}" if run["error"] else ""
        when = _local_time(run["started_at"], zone)
        click.echo(f"last {kind:<11} {when}  {_readable(run['counts'])}{extra}")
    if not runs:
        click.echo("no runs yet")
    click.echo("queue: " + (", ".join(f"{s} {n}" for s, n in sorted(counts.items())) or "empty"))


def _local_time(stamp: str, zone: str) -> str:
    """A stored instant in the config's `[general] timezone`, to the second, with its offset."""
    from datetime import UTC, datetime

    from nurture.entrypoints.serialize import local_iso

    try:
        value = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)
    if value.tzinfo is None:  # stored in UTC
        value = value.replace(tzinfo=UTC)
    return local_iso(value, zone, timespec="seconds") or str(stamp)


def _readable(counts: object) -> str:
    """A run's summary as `key value` pairs, e.g. `contacts_checked 29, planned 3, by_status (pending 3)`."""
    if not isinstance(counts, dict):
        return "" if counts is None else str(counts)
    parts = []
    for key, value in counts.items():
        if isinstance(value, bool):
            parts.append(f"{key} {'yes' if value else 'no'}")
        elif isinstance(value, dict):
            parts.append(f"{key} ({_readable(value)})" if value else f"{key} none")
        elif isinstance(value, list | tuple):
            parts.append(f"{key} ({'; '.join(str(v) for v in value)})" if value else f"{key} none")
        else:
            parts.append(f"{key} {value}")
    return ", ".join(parts) or "nothing done"


@cli.command("run")
@click.option("--web", "with_web", is_flag=True, help="Also serve the approval page.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@global_options
@handle_errors
def run(with_web: bool, log_format: str) -> None:
    """The daemon: plan and send on the schedule in the config."""
    from nurture.entrypoints.daemon import run_daemon

    sys.exit(run_daemon(opts().config_path, opts().now_text, with_web=with_web, log_format=log_format))


@cli.command("web")
@global_options
@handle_errors
def web() -> None:
    """The approval page alone; it says where it listens, and Ctrl+C stops it."""
    from nurture.entrypoints.web.server import serve

    app = load_app(need_library=True)
    serve(app, announce=click.echo)


@cli.command("demo")
@click.option("--port", type=int, default=8080, show_default=True, help="Port of the approval page.")
@click.option("--reset", is_flag=True, help="Start from an empty var/ folder.")
@global_options
@handle_errors
def demo(port: int, reset: bool) -> None:
    """The quick start: sample data, local mail capture, daemon and approval page."""
    from nurture.entrypoints.demo import run_demo

    sys.exit(run_demo(Path.cwd(), port=port, reset=reset, now_text=opts().now_text))
