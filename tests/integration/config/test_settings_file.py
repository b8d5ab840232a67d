"""Loading config/nurture.toml: the shipped file is clean, and each bad value is named with its line."""

from __future__ import annotations

import shutil
from datetime import time, timedelta
from pathlib import Path

import pytest

from nurture.errors import ConfigError
from nurture.settings import check_settings, load_settings, sending_problems
from nurture.settings.durations import format_duration, parse_duration, parse_time_of_day

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "config" / "nurture.toml"


def line_of(text: str, line: str) -> int:
    """1-based number of the (single) line that is exactly `line`."""
    lines = text.splitlines()
    assert lines.count(line) == 1, f"{line!r} must occur exactly once"
    return lines.index(line) + 1


def edited(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    """A copy of the shipped config with one whole line replaced."""
    text = SHIPPED.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines.count(old) == 1, f"{old!r} is not a line of the shipped config"
    changed = "\n".join(new if line == old else line for line in lines) + "\n"
    path = tmp_path / "nurture.toml"
    path.write_text(changed, encoding="utf-8")
    return path, changed


def test_shipped_config_has_no_problems_and_typed_values() -> None:
    settings, problems = check_settings(SHIPPED, environ={})
    assert problems == []
    assert settings is not None
    assert settings.general.timezone == "Europe/Berlin" and settings.general.country == "DE"
    assert settings.cadence.A == timedelta(days=21) and settings.cadence.C == timedelta(days=90)
    assert settings.schedule.digest_at == time(8, 0) and settings.schedule.digest_to == ["jana@example.com"]
    assert settings.send_window.start == time(8, 30) and settings.send_window.end == time(17, 0)
    assert settings.smtp.host == "127.0.0.1" and settings.smtp.port == 1025 and settings.smtp.security == "none"
    assert settings.smtp.timeout == timedelta(seconds=30) and settings.smtp.retry_after == timedelta(minutes=5)
    assert settings.smtp.max_attempts == 8
    assert settings.occasions.reconnect == timedelta(days=180) and settings.occasions.birthday is True
    assert settings.caps.content_gap == timedelta(days=14) and settings.cadence.connector_degree == 5
    assert settings.database.url == "sqlite:///var/nurture.db"
    assert settings.sender.unsubscribe_url == "http://127.0.0.1:8080/u"
    assert settings.guard.extra_phrases == {"de": [], "en": []}
    assert settings.web.bind == "127.0.0.1:8080" and settings.web.secure_cookies is False
    assert settings.templates_dir == (ROOT / "templates").resolve()
    assert settings.content_path == (ROOT / "config" / "content.toml").resolve()
    assert settings.config_path == SHIPPED


def test_shipped_config_has_a_comment_above_each_key() -> None:
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            above = lines[number - 1]
            assert above.startswith("#") or ("=" in above and not above.startswith("[")), (
                f"line {number + 1} ({line!r}) has no explanation above it"
            )


def test_relative_path_is_shown_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config").mkdir()
    text = SHIPPED.read_text(encoding="utf-8").replace('A = "21d"', 'A = "3 weeks"')
    (tmp_path / "config" / "nurture.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_settings("config/nurture.toml", environ={})
    line = line_of(text, 'A = "3 weeks"')
    assert [str(p) for p in caught.value.problems] == [
        f'config/nurture.toml:{line}: [cadence] A = "3 weeks" is not a duration; write it like "21d"'
    ]


BAD_VALUES = [
    ('timezone = "Europe/Berlin"', 'timezone = "Europe/Berln"',
     '[general] timezone = "Europe/Berln" is not a time zone; write an IANA name like "Europe/Berlin"'),
    ('language = "de"', 'language = "fr"', '[general] language = "fr" is not a known language; write one of "de", "en"'),
    ('country = "DE"', 'country = "XX"',
     '[general] country = "XX" is not a country code; write the two-letter ISO 3166 code like "DE", "AT" or "CH"'),
    ('formality = "formal"', 'formality = "casual"',
     '[general] formality = "casual" is not a known formality; write one of "formal", "informal"'),
    ('consent = "none"', 'consent = "yes"',
     '[general] consent = "yes" is not a known consent; write one of "none", "opt_in", "existing_customer"'),
    ('url = "sqlite:///var/nurture.db"', 'url = "var/nurture.db"',
     '[database] url = "var/nurture.db" is not a database URL; write it like "sqlite:///var/nurture.db" '
     'or "postgresql+psycopg://user@host/db"'),
    ('url = "sqlite:///var/nurture.db"', 'url = "mysql://nurture@db/nurture"',
     '[database] url = "mysql://nurture@db/nurture" is not a database nurture works with; write it like '
     '"sqlite:///var/nurture.db" or "postgresql+psycopg://user@host/db"'),
    ('email = "jana@example.com"', 'email = "jana at example.com"',
     '[sender] email = "jana at example.com" is not an e-mail address; write it like "jana@example.com"'),
    ('unsubscribe_url = "http://127.0.0.1:8080/u"', 'unsubscribe_url = "127.0.0.1/u"',
     '[sender] unsubscribe_url = "127.0.0.1/u" is not a web address; write it like "https://example.com/u", or "" for none'),
    ('port = 1025', "port = 70000",
     "[smtp] port = 70000 is out of range; write a whole number from 1 to 65535, like 587"),
    ('port = 1025', 'port = "abc"', '[smtp] port = "abc" is not a whole number; write it like 587'),
    ('port = 1025', "port = 25.5", "[smtp] port = 25.5 is not a whole number; write it like 587"),
    ('security = "none"', 'security = "ssl"',
     '[smtp] security = "ssl" is not a known security mode; write one of "none", "starttls", "tls"'),
    ('password_env = "NURTURE_SMTP_PASSWORD"', 'password_env = "hunter 2"',
     '[smtp] password_env = "hunter 2" is not the name of an environment variable; write it like '
     '"NURTURE_SMTP_PASSWORD" (the secret itself belongs in that variable, not in this file)'),
    ("concurrency = 4", "concurrency = 0",
     "[smtp] concurrency = 0 is out of range; write a whole number from 1 to 64, like 4"),
    ('timeout = "30s"', 'timeout = "half a minute"',
     '[smtp] timeout = "half a minute" is not a duration; write it like "30s"'),
    ('horizon = "14d"', 'horizon = "0d"', '[schedule] horizon = "0d" must be longer than nothing; write it like "14d"'),
    ('compose_ahead = "3d"', 'compose_ahead = "three days"',
     '[schedule] compose_ahead = "three days" is not a duration; write it like "3d"'),
    ('digest_at = "08:00"', 'digest_at = "8 Uhr"',
     '[schedule] digest_at = "8 Uhr" is not a time of day; write it like "08:00" (24-hour clock)'),
    ('digest_to = ["jana@example.com"]', 'digest_to = ["jana@example.com", "chef"]',
     '[schedule] digest_to = ["jana@example.com", "chef"] contains "chef", which is not an e-mail address; '
     'write it like ["jana@example.com"]'),
    ('start = "08:30"', 'start = "25:00"',
     '[send_window] start = "25:00" is not a time of day; write it like "08:30" (24-hour clock)'),
    ("weekdays_only = true", 'weekdays_only = "maybe"',
     '[send_window] weekdays_only = "maybe" is not true or false; write true or false, without quotes'),
    ('B = "45d"', "B = 45", '[cadence] B = 45 is not a duration; write it like "45d"'),
    ("max_per_contact = 2", "max_per_contact = -1",
     "[caps] max_per_contact = -1 is out of range; write a whole number of 0 or more, like 2"),
    ("birthday = true", 'birthday = "perhaps"',
     '[occasions] birthday = "perhaps" is not true or false; write true or false, without quotes'),
    ('reconnect = "180d"', "reconnect = true",
     '[occasions] reconnect = true is neither a duration nor false; write it like "180d", or false to switch it off'),
    ("extra_phrases = { de = [], en = [] }", 'extra_phrases = { fr = ["Angebot"] }',
     '[guard] extra_phrases = { fr = ["Angebot"] } has the language "fr", which is not one of "de", "en"; '
     'write it like { de = ["Phrase"], en = [] }'),
    ('bind = "127.0.0.1:8080"', 'bind = "localhost"',
     '[web] bind = "localhost" is not a host:port address; write it like "127.0.0.1:8080"'),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), BAD_VALUES, ids=[b[1] for b in BAD_VALUES])
def test_bad_value_names_file_line_value_and_fix(tmp_path: Path, old: str, new: str, message: str) -> None:
    path, text = edited(tmp_path, old, new)
    settings, problems = check_settings(path, environ={})
    assert settings is None
    assert [str(p) for p in problems] == [f"{path}:{line_of(text, new)}: {message}"]


def test_good_alternatives_are_accepted(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in (('reconnect = "180d"', "reconnect = false"), ('digest_to = ["jana@example.com"]', "digest_to = []"),
                     ('security = "none"', 'security = "starttls"'), ('bind = "127.0.0.1:8080"', 'bind = "0.0.0.0:80"'),
                     ('country = "DE"', 'country = "ch"'), ('url = "sqlite:///var/nurture.db"',
                                                            'url = "postgresql+psycopg://nurture@db:5432/nurture"')):  # fmt: skip
        text = text.replace(old, new)
    path = tmp_path / "nurture.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path, environ={})
    assert settings.occasions.reconnect is False
    assert settings.schedule.digest_to == []
    assert settings.smtp.security == "starttls" and settings.web.bind == "0.0.0.0:80"
    assert settings.general.country == "CH"
    assert settings.database.url.startswith("postgresql+psycopg://")


def test_send_window_start_must_be_before_end(tmp_path: Path) -> None:
    path, text = edited(tmp_path, 'start = "08:30"', 'start = "17:30"')
    _, problems = check_settings(path, environ={})
    line = line_of(text, 'start = "17:30"')
    assert [str(p) for p in problems] == [
        f'{path}:{line}: [send_window] start = "17:30" is not before end = "17:00"; '
        'the window opens at start and closes at end on the same day, like start = "08:30", end = "17:00"'
    ]


def test_incomplete_dkim_is_reported_on_the_given_key(tmp_path: Path) -> None:
    path, text = edited(tmp_path, 'dkim_selector = ""', 'dkim_selector = "mail2026"')
    _, problems = check_settings(path, environ={})
    line = line_of(text, 'dkim_selector = "mail2026"')
    assert [str(p) for p in problems] == [
        f'{path}:{line}: [sender] dkim_selector = "mail2026" needs '
        "dkim_domain and dkim_key_file as well; give all three DKIM keys, or leave all three empty to send unsigned"
    ]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    text = (text.replace('A = "21d"', 'A = "3 weeks"').replace("port = 1025", "prot = 1025")
            .replace('timezone = "Europe/Berlin"', 'timezone = "Berlin"')
            .replace('language = "de"', 'language = "deutsch"'))  # fmt: skip
    text += '\n[smpt]\nhost = "x"\n'
    path = tmp_path / "nurture.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    shown = [str(p) for p in caught.value.problems]
    assert len(shown) == 5, shown
    smtp_keys = "host, port, security, username, password_env, max_per_minute, concurrency, batch, timeout, data_timeout, max_attempts, retry_after"
    sections = "general, paths, database, sender, smtp, schedule, send_window, cadence, caps, occasions, guard, web"
    a_line, tz_line, lang_line = (line_of(text, 'A = "3 weeks"'), line_of(text, 'timezone = "Berlin"'),
                                  line_of(text, 'language = "deutsch"'))
    expected = {
        f'{path}:{line_of(text, "[smpt]")}: unknown section [smpt] (did you mean [smtp]?); check the spelling (known sections: {sections})',
        f'{path}:{line_of(text, "prot = 1025")}: [smtp] unknown key "prot" (did you mean "port"?); check the spelling (known keys: {smtp_keys})',
        f'{path}:{a_line}: [cadence] A = "3 weeks" is not a duration; write it like "21d"',
        f'{path}:{tz_line}: [general] timezone = "Berlin" is not a time zone; '
        'write an IANA name like "Europe/Berlin"',
        f'{path}:{lang_line}: [general] language = "deutsch" is not a known language; '
        'write one of "de", "en"',
    }
    assert set(shown) == expected
    lines = [p.location.line for p in caught.value.problems]
    assert lines == sorted(lines), "problems are listed from the top of the file down"
    assert str(caught.value) == "\n".join(shown)


def test_key_outside_any_section(tmp_path: Path) -> None:
    path = tmp_path / "nurture.toml"
    path.write_text('# settings\ntimezone = "Europe/Berlin"\n[general]\nlanguage = "en"\n', encoding="utf-8")
    _, problems = check_settings(path, environ={})
    assert len(problems) == 1
    assert str(problems[0]).startswith(f'{path}:2: timezone = "Europe/Berlin" is outside any section;')


def test_toml_syntax_error_reports_its_line(tmp_path: Path) -> None:
    path, text = edited(tmp_path, 'host = "127.0.0.1"', 'host = "127.0.0.1')
    settings, problems = check_settings(path, environ={})
    assert settings is None and len(problems) == 1
    assert problems[0].location.line == line_of(text, 'host = "127.0.0.1')
    assert str(problems[0]).startswith(f"{path}:{problems[0].location.line}: this is not valid TOML: ")


def test_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "nurture.toml"
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    (problem,) = caught.value.problems
    assert problem.location.file == str(path) and problem.location.line is None
    assert "does not exist" in problem.message and "config/nurture.toml" in problem.message
    assert f"nurture check --config {path}" in problem.message


def test_a_small_file_takes_defaults_and_resolves_paths(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    path = folder / "nurture.toml"
    path.write_text(f'[general]\nlanguage = "en"\ncountry = "GB"\n[paths]\ncontent = "{tmp_path / "lib.toml"}"\n',
                    encoding="utf-8")  # fmt: skip
    settings = load_settings(path, environ={})
    assert settings.general.language == "en" and settings.general.timezone == "Europe/Berlin"
    assert settings.templates_dir == (tmp_path / "templates").resolve()
    assert settings.content_path == tmp_path / "lib.toml"
    assert settings.resolve("keys/dkim.pem") == folder.resolve() / "keys" / "dkim.pem"
    assert settings.cadence.B == timedelta(days=45) and settings.smtp.max_attempts == 8
    assert settings.schedule.maintenance_every == timedelta(minutes=5)


def test_sending_problems(tmp_path: Path) -> None:
    settings = load_settings(SHIPPED, environ={"NURTURE_SECRET_KEY": "k" * 32})
    assert sending_problems(settings) == []
    path, text = edited(tmp_path, 'email = "jana@example.com"', 'email = ""')
    shutil.copy(ROOT / "config" / "content.toml", tmp_path / "content.toml")
    text_user = text.replace('username = ""', 'username = "jana"')
    path.write_text(text_user, encoding="utf-8")
    settings = load_settings(path, environ={})
    shown = [str(p) for p in sending_problems(settings)]
    email_line, user_line = line_of(text_user, 'email = ""'), line_of(text_user, 'username = "jana"')
    assert shown[0] == (f'{path}:{email_line}: [sender] email is empty; '
                        'write the address your messages come from, like "jana@example.com"')  # fmt: skip
    assert any(s.startswith(f'{path}:{user_line}: [smtp] username = "jana" needs a password')
               for s in shown)  # fmt: skip
    assert any("NURTURE_SECRET_KEY" in s and "unsubscribe_url" in s for s in shown)
    assert len(shown) == 3


def test_durations_and_times() -> None:
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("21d") == timedelta(days=21)
    assert parse_duration("12h") == timedelta(hours=12)
    assert parse_duration("30s") == timedelta(seconds=30)
    assert parse_duration("2w") == timedelta(weeks=2)
    for bad in ("3 weeks", "1.5d", "21", "d", "", "-2d", "21D", "21 d x"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert parse_time_of_day("08:30") == time(8, 30) and parse_time_of_day("23:59") == time(23, 59)
    for bad in ("8:30", "24:00", "08:60", "0830", "08:30:00"):
        with pytest.raises(ValueError):
            parse_time_of_day(bad)
    assert [format_duration(parse_duration(t)) for t in ("90m", "21d", "2w", "45s", "24h")] == ["90m", "3w", "2w", "45s", "1d"]


@pytest.mark.parametrize("given", ["postgresql://nurture@db/nurture", "postgres://nurture@db/nurture"])
def test_a_plain_postgresql_url_uses_the_installed_driver(given: str) -> None:
    """postgresql:// means psycopg2 to SQLAlchemy, which nurture does not install: it failed with a traceback."""
    settings = load_settings(SHIPPED, environ={"NURTURE_DATABASE__URL": given})
    assert settings.database.url == "postgresql+psycopg://nurture@db/nurture"
