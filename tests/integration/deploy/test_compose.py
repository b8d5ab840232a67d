"""docker-compose.yml and the Dockerfile agree with the config: services, ports, secrets' variables."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def compose_text() -> str:
    return (ROOT / "docker-compose.yml").read_text(encoding="utf-8")


def test_services_and_images() -> None:
    text = compose_text()
    for needle in ("\n  nurture:", "\n  postgres:", "image: postgres:16", "\n  mailpit:", "build: .", "pgdata:"):
        assert needle in text


def test_secret_variables_match_the_config() -> None:
    config = tomllib.loads((ROOT / "config" / "nurture.toml").read_text(encoding="utf-8"))
    text = compose_text()
    env_names = [config["smtp"]["password_env"], config["web"]["password_env"], config["web"]["secret_key_env"]]
    for name in env_names:
        assert f"{name}:" in text, f"docker-compose.yml does not pass {name}"
    assert "NURTURE_DATABASE__URL: postgresql+psycopg://" in text
    assert 'NURTURE_SMTP__PORT: "1025"' in text and "NURTURE_SMTP__HOST: mailpit" in text
    port = config["web"]["bind"].rpartition(":")[2]
    assert f"127.0.0.1:{port}:8080" in text or f"{port}:{port}" in text


def test_dockerfile_runs_init_then_daemon_with_web() -> None:
    docker = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "nurture init && nurture run --web" in docker
    assert "USER nurture" in docker
