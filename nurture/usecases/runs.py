"""Plan, send, maintenance and digest runs, recorded for `nurture status` and the digest's once-a-day rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.tables import Run


def record_run(
    factory: sessionmaker[Session],
    kind: str,
    worker: str,
    started: datetime,
    finished: datetime,
    counts: dict[str, Any],
    error: str | None = None,
    day_key: str | None = None,
) -> bool:
    """Store a run; with a `day_key` only the first run of that key is stored (returns False after)."""
    try:
        with factory() as session, session.begin():
            session.add(Run(kind=kind, worker=worker, started_at=started, finished_at=finished, counts=counts,
                            error=error, day_key=day_key))  # fmt: skip
        return True
    except IntegrityError:
        return False


def has_day_key(factory: sessionmaker[Session], day_key: str) -> bool:
    with factory() as session:
        return session.scalar(select(func.count(Run.id)).where(Run.day_key == day_key)) > 0


def last_runs(session: Session) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for kind in ("plan", "send", "maintenance", "digest"):
        run = session.scalars(select(Run).where(Run.kind == kind).order_by(Run.started_at.desc(), Run.id.desc())).first()
        if run is not None:
            result[kind] = {
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "worker": run.worker,
                "counts": run.counts,
                "error": run.error,
            }
    return result
