"""Odd values in config/nurture.toml: refused at their line with a fix, or working all the way to the mail.

Each case edits one line of a copy of the shipped file (its [paths] pointing at the shipped
templates and content library), runs the real command line over a fresh SQLite database and
checks what a marketer sees: `path:line: message` from `nurture check`, or a message that goes
out correctly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nurture.entrypoints.cli import cli
from nurture.settings import check_settings

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "config" / "nurture.toml"
CONTACTS = ROOT / "tests" / "data" / "contacts.csv"
NOW = "2026-11-23T07:00:00+00:00"


def config_with(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of the shipped config with the line `old` replaced by `new`; returns it and that line's number."""
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    assert lines.count(old) == 1, f"{old!r} is not a line of the shipped config"
    number = lines.index(old) + 1
    lines[number - 1] = new
    text = "\n".join(lines) + "\n"
    text = text.replace('templates = "../templates"', f'templates = "{ROOT / "templates"}"')
    text = text.replace('content = "content.toml"', f'content = "{ROOT / "config" / "content.toml"}"')
    text = text.replace('url = "sqlite:///var/nurture.db"', f'url = "sqlite:///{tmp_path / "nurture.db"}"')
    path = tmp_path / "nurture.toml"
    path.write_text(text, encoding="utf-8")
    return path, number


def nurture(config: Path, *args: str) -> Result:
    """The real command line; a database override in the environment would hide the file's own."""
    env = {"NURTURE_CONFIG": "", "NURTURE_NOW": "", "NURTURE_SECRET_KEY": "test-secret-key-0123456789abcdef",
           "NURTURE_WEB_PASSWORD": "pw", "NURTURE_DATABASE__URL": None}  # fmt: skip
    return CliRunner().invoke(cli, ["--config", str(config), "--now", NOW, *args], env=env)


def check_lines(config: Path) -> list[str]:
    result = nurture(config, "check")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    return [line for line in result.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("url", ["https://example.com/u?source=mail", "https://example.com/u#unsubscribe"])
def test_unsubscribe_url_with_query_or_anchor_is_refused_at_its_line(tmp_path: Path, url: str) -> None:
    """The contact's link part is appended after a "/": behind ? or # it never reaches the unsubscribe page."""
    config, line = config_with(tmp_path, 'unsubscribe_url = "http://127.0.0.1:8080/u"', f'unsubscribe_url = "{url}"')
    lines = check_lines(config)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{config}:{line}: [sender] unsubscribe_url = \"{url}\" has a ? or # part")
    assert 'write it like "https://example.com/u"' in lines[0]


@pytest.mark.parametrize(
    ("url", "header"),
    [
        ("https://example.com/u/<x>", "https://example.com/u/%3Cx%3E/"),
        ('https://example.com/u/\\"x', "https://example.com/u/%22x/"),
        ("https://bücher.example/abmelden", "https://xn--bcher-kva.example/abmelden/"),
    ],
)
def test_unsubscribe_url_with_odd_characters_still_gives_a_working_message(
    tmp_path: Path, url: str, header: str
) -> None:
    """Characters a mail header cannot carry used to crash `nurture show` (and every send) with a traceback."""
    config, _ = config_with(tmp_path, 'unsubscribe_url = "http://127.0.0.1:8080/u"', f'unsubscribe_url = "{url}"')
    assert nurture(config, "check").exit_code == 0
    for args in (("init",), ("import", str(CONTACTS)), ("plan",)):
        result = nurture(config, *args)
        assert result.exit_code == 0, (args, result.output)
    shown = nurture(config, "show", "1")
    assert shown.exception is None, shown.exception
    assert shown.exit_code == 0, shown.output
    unsubscribe = next(line for line in shown.stdout.splitlines() if line.startswith("List-Unsubscribe:"))
    assert f"<{header}" in unsubscribe, unsubscribe
    assert "Traceback" not in shown.output


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("127.0.0.1:25", 'has the port in it; write host = "127.0.0.1" and port = 25'),
        ("smtp://mail.example.com", 'without "smtp://"'),
        ("mail example com", "is not a server name"),
    ],
)
def test_smtp_host_that_can_never_connect_is_refused_at_its_line(tmp_path: Path, host: str, words: str) -> None:
    config, line = config_with(tmp_path, 'host = "127.0.0.1"', f'host = "{host}"')
    lines = check_lines(config)
    assert len(lines) == 1 and lines[0].startswith(f"{config}:{line}: [smtp] host = \"{host}\" "), lines
    assert words in lines[0]


@pytest.mark.parametrize(
    ("old", "key"),
    [('templates = "../templates"', "templates"), ('content = "content.toml"', "content")],
)
def test_empty_path_is_refused_at_its_line(tmp_path: Path, old: str, key: str) -> None:
    """An empty path silently meant the config's own folder: "no language folders" or "is a directory"."""
    config, line = config_with(tmp_path, old, f'{key} = ""')
    lines = check_lines(config)
    assert lines == [
        f'{config}:{line}: [paths] {key} = "" is empty; write the path like '
        f'"{"../templates" if key == "templates" else "content.toml"}" (relative to the folder of this file)'
    ]


@pytest.mark.parametrize(
    ("text", "line", "start"),
    [
        ("# caps\n[[caps]]\nmax_per_contact = 2\n", 2, "caps = [{ max_per_contact = 2 }] should be a section"),
        ("# caps\n[caps.window]\ndays = 30\n", 2, '[caps] window = { days = 30 } is not a duration'),
        ("# caps\ncaps = { max_per_contact = -1 }\n", 2, "[caps] max_per_contact = -1 is out of range"),
        ('[caps]\nwindow = "30d"\nlimit.max = 2\n', 3, '[caps] unknown key "limit"'),
    ],
)
def test_a_section_written_in_another_shape_is_reported_at_its_line(
    tmp_path: Path, text: str, line: int, start: str
) -> None:
    path = tmp_path / "nurture.toml"
    path.write_text(text, encoding="utf-8")
    settings, problems = check_settings(path, environ={})
    assert settings is None and len(problems) == 1, problems
    assert problems[0].location.line == line, problems
    assert re.match(re.escape(f"{path}:{line}: {start}"), str(problems[0])), problems[0]


def test_a_missing_templates_folder_is_reported_at_its_line_with_a_fix(tmp_path: Path) -> None:
    """It was reported without a line and without saying what to do."""
    config, _ = config_with(tmp_path, 'templates = "../templates"', 'templates = "vorlagen"')
    number = config.read_text(encoding="utf-8").splitlines().index('templates = "vorlagen"') + 1
    lines = check_lines(config)
    assert f"{config}:{number}: [paths] templates: the folder {tmp_path / 'vorlagen'} does not exist; create it" in (
        "\n".join(lines)
    ), lines


@pytest.mark.parametrize("url", ["mysql://nurture:s3cret-pw@db/nurture", "postgres ql://nurture:s3c@ret-pw@db/x"])
def test_a_refused_database_url_is_shown_without_its_password(tmp_path: Path, url: str) -> None:
    """`nurture check` printed the whole URL, password included, into terminals and logs."""
    path, line = config_with(tmp_path, 'url = "sqlite:///var/nurture.db"', f'url = "{url}"')
    settings, problems = check_settings(path, environ={})
    assert settings is None
    [problem] = [p for p in problems if "[database] url" in str(p)]
    assert "s3c" not in str(problem) and "ret-pw" not in str(problem)
    assert "://nurture:***@" in str(problem) and f":{line}:" in str(problem)
    said = CliRunner().invoke(cli, ["--config", str(path), "check"])
    assert said.exit_code != 0 and "s3c" not in said.output + said.stderr


def test_a_key_written_twice_says_so_at_the_second_one(tmp_path: Path) -> None:
    config, line = config_with(tmp_path, 'end = "17:00"', 'end = "17:00"\nend = "16:00"')
    assert check_lines(config)[0] == f"{config}:{line + 1}: this key or [section] is written twice in the file; " \
                                     "delete one of them (keep the value you want)"  # fmt: skip


def test_an_empty_password_variable_name_means_the_usual_one(tmp_path: Path) -> None:
    """`password_env = ""` passed check, and `nurture web` then said "set  to the password"."""
    config, _ = config_with(tmp_path, 'password_env = "NURTURE_WEB_PASSWORD"', 'password_env = ""')
    settings, problems = check_settings(config)
    assert problems == [] and settings is not None
    assert settings.web.password_env == "NURTURE_WEB_PASSWORD"
