"""NURTURE_<SECTION>__<KEY> overrides and secrets from the environment or from `<VARIABLE>_FILE`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from nurture.errors import ConfigError
from nurture.settings import check_settings, load_settings

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "config" / "nurture.toml"
SECRET = "s3cr3t-Ünïcode-value-4711"


def test_overrides_win_with_the_right_types() -> None:
    settings = load_settings(SHIPPED, environ={
        "NURTURE_SMTP__PORT": "2525",
        "NURTURE_SMTP__HOST": "mail.example.org",
        "NURTURE_DATABASE__URL": "postgresql+psycopg://nurture@127.0.0.1:5432/test",
        "NURTURE_CADENCE__A": "14d",
        "NURTURE_cadence__connector_DEGREE": "3",
        "NURTURE_OCCASIONS__RECONNECT": "false",
        "NURTURE_OCCASIONS__BIRTHDAY": "false",
        "NURTURE_SCHEDULE__DIGEST_TO": "a@example.com, b@example.com",
        "NURTURE_SEND_WINDOW__START": "09:15",
        "NURTURE_WEB__SECURE_COOKIES": "true",
        "NURTURE_GUARD__EXTRA_PHRASES": '{"de": ["Sonderaktion"]}',
    })  # fmt: skip
    assert settings.smtp.port == 2525 and settings.smtp.host == "mail.example.org"
    assert settings.database.url == "postgresql+psycopg://nurture@127.0.0.1:5432/test"
    assert settings.cadence.A == timedelta(days=14) and settings.cadence.B == timedelta(days=45)
    assert settings.cadence.connector_degree == 3
    assert settings.occasions.reconnect is False and settings.occasions.birthday is False
    assert settings.schedule.digest_to == ["a@example.com", "b@example.com"]
    assert settings.send_window.start.hour == 9 and settings.send_window.start.minute == 15
    assert settings.web.secure_cookies is True
    assert settings.guard.extra_phrases == {"de": ["Sonderaktion"], "en": []}


def test_list_override_as_json_and_empty() -> None:
    settings = load_settings(SHIPPED, environ={"NURTURE_SCHEDULE__DIGEST_TO": '["x@example.com"]'})
    assert settings.schedule.digest_to == ["x@example.com"]
    settings = load_settings(SHIPPED, environ={"NURTURE_SCHEDULE__DIGEST_TO": ""})
    assert settings.schedule.digest_to == []


def test_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NURTURE_SMTP__PORT", "2626")
    assert load_settings(SHIPPED).smtp.port == 2626


def test_bad_override_is_located_at_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(SHIPPED, environ={"NURTURE_SMTP__PORT": "abc", "NURTURE_CADENCE__A": "3 weeks"})
    assert sorted(str(p) for p in caught.value.problems) == [
        'NURTURE_CADENCE__A: [cadence] A = "3 weeks" is not a duration; write it like "21d"',
        'NURTURE_SMTP__PORT: [smtp] port = "abc" is not a whole number; write it like 587',
    ]


def test_unknown_override_names_are_problems() -> None:
    _, problems = check_settings(SHIPPED, environ={"NURTURE_SMPT__PORT": "25", "NURTURE_SMTP__PROT": "25"})
    shown = sorted(str(p) for p in problems)
    assert shown[0].startswith('NURTURE_SMPT__PORT: unknown section "SMPT" (did you mean "smtp"?); check the spelling (known sections: general,')
    assert shown[1].startswith('NURTURE_SMTP__PROT: [smtp] unknown key "PROT" (did you mean "port"?); check the spelling (known keys: host, port,')


def test_other_nurture_variables_are_not_overrides() -> None:
    settings, problems = check_settings(SHIPPED, environ={
        "NURTURE_CONFIG": "elsewhere.toml", "NURTURE_NOW": "2026-01-01", "NURTURE_SECRET_KEY": "k",
        "NURTURE_TEST_POSTGRES": "postgresql://x",
    })  # fmt: skip
    assert problems == [] and settings is not None


def test_secrets_come_from_the_named_variables() -> None:
    settings = load_settings(SHIPPED, environ={
        "NURTURE_SMTP_PASSWORD": SECRET, "NURTURE_WEB_PASSWORD": "web-" + SECRET, "NURTURE_SECRET_KEY": "key-" + SECRET,
    })  # fmt: skip
    assert settings.smtp_password() == SECRET
    assert settings.web_password() == "web-" + SECRET
    assert settings.secret_key() == ("key-" + SECRET).encode("utf-8")


def test_unset_or_empty_secrets_are_none() -> None:
    settings = load_settings(SHIPPED, environ={"NURTURE_SMTP_PASSWORD": ""})
    assert settings.smtp_password() is None and settings.web_password() is None and settings.secret_key() is None
    assert settings.secret("") is None


def test_secret_from_a_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "smtp_password"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    key_file = tmp_path / "secret_key"
    key_file.write_text("from-file-key\n", encoding="utf-8")
    settings = load_settings(SHIPPED, environ={
        "NURTURE_SMTP_PASSWORD_FILE": str(secret_file),
        "NURTURE_SECRET_KEY_FILE": str(key_file),
        "NURTURE_WEB_PASSWORD": "direct", "NURTURE_WEB_PASSWORD_FILE": str(key_file),
    })  # fmt: skip
    assert settings.smtp_password() == SECRET
    assert settings.secret_key() == b"from-file-key"
    assert settings.web_password() == "direct"


def test_renamed_secret_variable(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace('password_env = "NURTURE_SMTP_PASSWORD"',
                                                        'password_env = "MAIL_PASSWORD"')  # fmt: skip
    path = tmp_path / "nurture.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path, environ={"MAIL_PASSWORD": SECRET, "NURTURE_SMTP_PASSWORD": "not this one"})
    assert settings.smtp_password() == SECRET


def test_unreadable_secret_file_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-file"
    _, problems = check_settings(SHIPPED, environ={"NURTURE_SECRET_KEY_FILE": str(missing)})
    assert len(problems) == 1
    assert problems[0].location.file == "NURTURE_SECRET_KEY_FILE" and problems[0].location.line is None
    assert str(problems[0]).startswith(f'NURTURE_SECRET_KEY_FILE: cannot read the file "{missing}"')


def test_secrets_never_appear_in_repr_or_str(tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("file-" + SECRET, encoding="utf-8")
    settings = load_settings(SHIPPED, environ={
        "NURTURE_SMTP_PASSWORD": SECRET, "NURTURE_SECRET_KEY": "key-" + SECRET, "NURTURE_WEB_PASSWORD_FILE": str(secret_file),
    })  # fmt: skip
    assert settings.smtp_password() == SECRET and settings.web_password() == "file-" + SECRET
    for shown in (repr(settings), str(settings), f"{settings}", repr(settings.smtp), repr(settings.web)):
        assert SECRET not in shown
        assert "Settings(" in shown or "password_env" in shown or "bind" in shown


def test_a_secret_given_as_an_override_is_refused_without_showing_it() -> None:
    _, problems = check_settings(SHIPPED, environ={"NURTURE_SMTP__PASSWORD": SECRET})
    assert len(problems) == 1
    shown = str(problems[0])
    assert shown.startswith('NURTURE_SMTP__PASSWORD: [smtp] unknown key "PASSWORD"')
    assert "environment variable that the section's *_env key names" in shown
    assert SECRET not in shown
