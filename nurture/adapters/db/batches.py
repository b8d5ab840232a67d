"""Statements over a batch of rows that cost one parameter on PostgreSQL, not one per row.

Planning and composing read and write a few hundred rows per statement. A plain `IN (…)`
list sends one parameter per value and a new statement text for every list length, which
PostgreSQL must parse and plan again each time; `= ANY(:array)` is one parameter and one
statement. Likewise an `UPDATE … FROM unnest(:ids, :values)` writes a batch of rows in one
statement instead of one statement per row. SQLite runs in this process and takes the
plain forms (and typed executemany statements), whose cost there is small.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Engine, any_, bindparam, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from nurture.adapters.db.engine import DatabaseProblem

_log = logging.getLogger("nurture.db")


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def one_of(column: Any, values: Iterable[Any], dialect: str) -> ColumnElement[bool]:
    """`column IN values`, as one array parameter on PostgreSQL."""
    listed = list(values)
    if dialect == "postgresql":
        return column == any_(bindparam(None, listed, type_=ARRAY(column.type)))
    return column.in_(listed)  # type: ignore[no-any-return]


def update_by_id(
    session: Session, table: str, columns: Mapping[str, str], rows: Sequence[Mapping[str, Any]], where: str = ""
) -> None:
    """PostgreSQL: set `columns` (name → SQL type) of the rows whose "id" is given, in one statement.

    Each row maps "id" and every column to its value; `where` adds a condition on the target
    row `t` (e.g. "t.status = 'planned'"). SQLite callers keep their typed executemany UPDATE.
    """
    if not rows:
        return
    names = list(columns)
    arrays = ", ".join(f"CAST(:a_{n} AS {columns[n]}[])" for n in names)
    sets = ", ".join(f"{n} = d.{n}" for n in names)
    condition = f" AND {where}" if where else ""
    sql = (f"UPDATE {table} AS t SET {sets} FROM unnest(CAST(:a_id AS bigint[]), {arrays}) "
           f"AS d(id, {', '.join(names)}) WHERE t.id = d.id{condition}")  # fmt: skip
    params: dict[str, Any] = {"a_id": [r["id"] for r in rows]}
    params.update({f"a_{n}": [r[n] for r in rows] for n in names})
    session.execute(text(sql), params)


# A run that added at least this many messages, and a tenth or more of the table, tidies up
# after itself on PostgreSQL (autovacuum would, within minutes).
ANALYZE_FROM = 10_000
_TIDIED = ("contacts", "messages", "message_log")


def refresh_statistics(engine: Engine, added: int) -> bool:
    """After a large planning run on PostgreSQL: VACUUM (ANALYZE) the tables it grew; True when it did.

    Until autovacuum gets round to it, the next run's queries are planned with the row counts
    of before (an empty messages table after a first plan), and an index still lists every
    row version the run replaced (each message once `planned`, then written), so finding the
    planned messages due reads hundreds of thousands of dead entries. VACUUM does not block
    reading or writing; if autovacuum is at a table already, that table is left to it.
    """
    if added < ANALYZE_FROM or engine.dialect.name != "postgresql":
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        known = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'messages'")).scalar()
        if known is not None and known > 0 and added < known / 10:
            return False
        conn.execute(text("SET lock_timeout = '2s'"))
        for table in _TIDIED:
            try:
                conn.execute(text(f"VACUUM (ANALYZE) {table}"))
            except (OperationalError, DatabaseProblem):  # autovacuum holds it: it is being done already
                _log.info("%s is being vacuumed already; left to autovacuum", table)
    return True
