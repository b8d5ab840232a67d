"""Engine and session factory from a URL, and schema upgrades through Alembic.

SQLite gets WAL, foreign keys and a busy timeout so that the CLI, the daemon and the web
page can share one file; PostgreSQL is used as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, String, create_engine, event
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement

from nurture.errors import NurtureError

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseProblem(NurtureError):
    """The database cannot be used right now (full disk, read-only file, server gone): says which."""


def _plain_errors(engine: Engine) -> Engine:
    """Operational failures become a DatabaseProblem whose text says what is wrong (no traceback for users)."""

    @event.listens_for(engine, "handle_error")
    def _explain(context: Any) -> None:
        exc = context.sqlalchemy_exception
        if context.is_pre_ping:
            return
        # PostgreSQL reports a missing table as a programming error; it means `nurture init` is due.
        if not (isinstance(exc, OperationalError) or (isinstance(exc, ProgrammingError) and _missing_table(exc))):
            return
        raise DatabaseProblem(database_problem(exc) or "database error") from exc

    return engine


def _fold_text(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class fold(FunctionElement[str]):  # noqa: N801 - used like func.lower
    """Text in the case-blind form searches compare: PostgreSQL's lower() knows every letter,
    SQLite's only A–Z ("ÖZDEMIR" stayed as it was), so SQLite gets a function of ours."""

    type = String()
    inherit_cache = True


@compiles(fold)
def _fold_default(element: fold, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(fold, "sqlite")
def _fold_sqlite(element: fold, compiler: Any, **kw: Any) -> str:
    return f"nurture_fold({compiler.process(element.clauses, **kw)})"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine; for SQLite also create the folder the file lives in."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions begin (BEGIN IMMEDIATE below).
            dbapi_connection.isolation_level = None
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            dbapi_connection.create_function("nurture_fold", 1, _fold_text, deterministic=True)

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Take the write lock up front: two writers never deadlock on a lock upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return _plain_errors(engine)
    return _plain_errors(create_engine(url, pool_pre_ping=True, **kwargs))


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


# The advisory lock key for planning ("nurt"): one plan run at a time per PostgreSQL database.
PLAN_LOCK = 0x6E757274


@contextmanager
def plan_lock(engine: Engine, *, wait: bool = False, waiting: Any = None) -> Iterator[bool]:
    """Hold the planning lock while the block runs; yields whether it is held.

    Two plan runs at once (two daemons, or `nurture plan` next to a daemon) would insert nothing
    twice (the idempotency key is unique) but would decide every contact twice and fight over
    the same rows. Without ``wait`` the lock is only tried (a daemon skips its run); with it,
    ``waiting`` is called once if someone else holds it, then the lock is waited for. SQLite
    serialises writers by itself: the block always runs.
    """
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PLAN_LOCK}).scalar())
        if not got and wait:
            if waiting is not None:
                waiting()
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PLAN_LOCK})
            got = True
        conn.commit()  # the lock belongs to the session: no transaction stays open while planning
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PLAN_LOCK})
                conn.commit()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> str | None:
    """Create or upgrade the schema to the newest revision; idempotent. Returns the revision."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def database_problem(exc: BaseException) -> str | None:
    """What a database error means for the user, in one line; None when it is not a database error.

    Full disks, read-only files and an unreachable server are expected trouble for a long-running
    sender: they deserve a sentence that says what is wrong, not a traceback.
    """
    import errno

    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DatabaseProblem):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return f"the disk is full ({exc.filename or exc.strerror})"
    if not isinstance(exc, DBAPIError):
        return None
    detail = _detail(exc)
    low = detail.lower()
    if "readonly database" in low or "read-only" in low:
        return f"the database cannot be written: the file or its folder is read-only ({detail})"
    if "disk is full" in low or "no space left" in low:
        return f"the disk holding the database is full ({detail})"
    if "disk i/o error" in low or "unable to open database file" in low:
        return f"the database file cannot be read or written; check the disk and the file ({detail})"
    if exc.connection_invalidated or any(
        w in low for w in ("connection refused", "connection failed", "server closed", "terminating connection",
                           "starting up", "shutting down", "could not connect", "consuming input failed")
    ):  # fmt: skip
        return f"the database server cannot be reached ({detail})"
    if _missing_table(exc):
        return f"the database has no nurture tables yet, or an older layout ({detail}); run `nurture init`"
    return f"database error: {detail}"


def _detail(exc: Any) -> str:
    """The first line of what the database driver said."""
    return (str(exc.orig) or exc.orig.__class__.__name__).strip().splitlines()[0]


def _missing_table(exc: Any) -> bool:
    """SQLite's "no such table" or PostgreSQL's "relation … does not exist": the schema is not there yet."""
    low = _detail(exc).lower()
    return "no such table" in low or ("relation" in low and "does not exist" in low)
