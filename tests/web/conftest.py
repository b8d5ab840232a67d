"""Fixtures for the approval page: an App on the test database, a test client, a logged-in client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import PASSWORD, SECRET, build_app, login


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NURTURE_WEB_PASSWORD", PASSWORD)
    monkeypatch.setenv("NURTURE_SECRET_KEY", SECRET)


@pytest.fixture
def web_app(factory: Any, db_url: str, tmp_path: Path, secrets_env: None) -> Iterator[Any]:
    """An App on an upgraded, empty test database, its clock standing at NOW."""
    app = build_app(tmp_path, db_url)
    yield app
    app.engine.dispose()


@pytest.fixture
def client(web_app: Any) -> Iterator[Any]:
    from starlette.testclient import TestClient

    from nurture.entrypoints.web.server import create_app

    with TestClient(create_app(web_app), follow_redirects=False) as c:
        yield c


@pytest.fixture
def logged_in(client: Any) -> tuple[Any, str]:
    return client, login(client)
