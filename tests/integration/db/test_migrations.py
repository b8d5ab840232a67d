"""The schema: Alembic migrations create exactly the model, idempotently, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from nurture.adapters.db.engine import make_engine, upgrade
from nurture.adapters.db.tables import Base


def test_upgrade_is_idempotent_and_matches_the_model(db_url):
    engine = make_engine(db_url)
    assert upgrade(engine) == "0003"
    assert upgrade(engine) == "0003"
    tables = set(inspect(engine).get_table_names())
    assert {"contacts", "messages", "relations", "events", "import_runs", "message_log", "consent_events",
            "plan_marks"} <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Type renderings differ harmlessly between dialects; columns, tables and indexes must not.
    structural = [d for d in diff if d[0] in ("add_table", "remove_table", "add_column", "remove_column",
                                              "add_index", "remove_index")]  # fmt: skip
    assert structural == []
    engine.dispose()


def test_email_unique_case_insensitively(factory):
    from datetime import UTC, datetime

    import pytest
    from sqlalchemy.exc import IntegrityError

    from nurture.adapters.db.contact_store import ContactStore

    now = datetime(2026, 11, 23, tzinfo=UTC)
    values = dict(first_name="A", last_name="B", language="de", country="DE", formality="formal", tier="C",
                  timezone="Europe/Berlin", consent="opt_in", source="t")
    with factory() as session, session.begin():
        ContactStore(session).add({**values, "email": "a.b@example.de"}, now, "t")
    with factory() as session, session.begin():
        assert ContactStore(session).get("A.B@EXAMPLE.DE").email == "a.b@example.de"
    with pytest.raises(IntegrityError), factory() as session, session.begin():
        ContactStore(session).add({**values, "email": "a.b@example.de"}, now, "t")
