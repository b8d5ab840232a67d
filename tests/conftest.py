"""Shared fixtures: a fresh database per test on SQLite and, when enabled, on PostgreSQL.

PostgreSQL tests run when NURTURE_TEST_POSTGRES names a server (CI sets it); each test gets
its own database, created and dropped around it, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings
from reliability_report import (  # noqa: F401  (hooks and fixture of the reliability report)
    pytest_addoption,
    pytest_runtest_makereport,
    pytest_sessionfinish,
    reliability,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# CI runs the property tests on a fixed sequence of examples, so a red build can be repeated
# exactly; on a developer's machine every run explores new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
POSTGRES = os.environ.get("NURTURE_TEST_POSTGRES", "")
CHROMIUM = os.environ.get("NURTURE_TEST_CHROMIUM") or "/usr/bin/chromium"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _postgres_database() -> Iterator[str]:
    base = make_url(POSTGRES)
    name = f"nurture_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (skipped when no server is configured)."""
    if not POSTGRES:
        pytest.skip("set NURTURE_TEST_POSTGRES to run the PostgreSQL tests")
    yield from _postgres_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nurture.db'}"
        return
    if not POSTGRES:
        pytest.skip("set NURTURE_TEST_POSTGRES to run the PostgreSQL tests")
    yield from _postgres_database()


@pytest.fixture
def factory(db_url: str):
    """A session factory on an upgraded schema."""
    from nurture.adapters.db.engine import make_engine, session_factory, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()
