"""Ended sessions: logging out makes the session's cookie worthless, in every process, for good.

The session cookie is signed, not stored, so by itself it stays good until it expires. Logging
out writes the session's id to `web_logouts` (until the last cookie carrying it would have
expired), and every request of a logged-in session asks whether its id is there: one primary-key
look-up. The list lives in the database, so a restart of the page and every other nurture
process on the same database see it.

Times here are the wall clock's, like the cookie's signature, never the planning clock (`--now`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from nurture.adapters.db.tables import WebLogout


def wall_clock() -> datetime:
    return datetime.now(UTC)


class Logouts:
    """The ids of sessions ended before their cookies expired."""

    def __init__(self, factory: sessionmaker[Session], max_age: int, clock: Callable[[], datetime] = wall_clock) -> None:
        self.factory, self.max_age, self.clock = factory, max_age, clock

    def ended(self, sid: str) -> bool:
        """Whether the session `sid` was logged out."""
        with self.factory() as session:
            return session.scalar(select(WebLogout.sid).where(WebLogout.sid == sid)) is not None

    def end(self, sid: str) -> None:
        """End the session `sid` everywhere; forget sessions whose cookies have expired by now anyway.

        Every cookie of the session was signed before this moment (an ended session gets no new
        one), so none outlives `now + max_age`: the id is kept exactly that long.
        """
        now = self.clock()
        try:
            with self.factory() as session, session.begin():
                session.execute(delete(WebLogout).where(WebLogout.expires_at < now))
                if session.get(WebLogout, sid) is None:
                    session.add(WebLogout(sid=sid, expires_at=now + timedelta(seconds=self.max_age)))
        except IntegrityError:  # the same session logged out at the same moment elsewhere: ended either way
            pass
