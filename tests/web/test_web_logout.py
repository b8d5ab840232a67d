"""Logging out ends the session for good: a kept copy of the cookie opens nothing afterwards.

Also after a restart of the page and in a second page process on the same database (the
`db_url` fixture runs each test on SQLite and, when configured, on PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient
from web_support import PASSWORD, add_contact, add_message, csrf_of, login, message_status

from nurture.entrypoints.web.security import COOKIE
from nurture.entrypoints.web.server import create_app


def _with_cookie(app: Any, cookie: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    c.cookies.set(COOKIE, cookie)
    return c


def _log_out(client: TestClient, csrf: str) -> None:
    response = client.post("/logout", data={"csrf": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert f'{COOKIE}=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]


def test_a_kept_cookie_opens_nothing_after_logout(client: TestClient, web_app: Any) -> None:
    mid = add_message(web_app, add_contact(web_app))
    csrf = login(client)
    kept = client.cookies[COOKIE]
    page = client.get(f"/messages/{mid}")
    assert page.status_code == 200
    page_csrf = csrf_of(page.text)
    _log_out(client, csrf)

    thief = _with_cookie(client.app, kept)
    response = thief.get(f"/messages/{mid}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    response = thief.post(f"/messages/{mid}/reject", data={"csrf": page_csrf, "reason": "stolen"})
    assert response.status_code == 401
    response = thief.post(f"/messages/{mid}/approve", data={"csrf": page_csrf})
    assert response.status_code == 401
    assert message_status(web_app, mid)[0] == "pending"
    # The login form does not treat the ended session as logged in either (no redirect loop).
    assert thief.get("/login").status_code == 200


def test_logout_holds_across_a_restart_and_another_process(client: TestClient, web_app: Any) -> None:
    mid = add_message(web_app, add_contact(web_app))
    csrf = login(client)
    kept = client.cookies[COOKIE]
    with TestClient(create_app(web_app), follow_redirects=False) as other:  # a second process, same database
        other.cookies.set(COOKIE, kept)
        assert other.get(f"/messages/{mid}").status_code == 200
        _log_out(client, csrf)
        assert other.get(f"/messages/{mid}").status_code == 303
    with _with_cookie(create_app(web_app), kept) as restarted:  # the page started again
        assert restarted.get("/queue").status_code == 303
        assert restarted.post(f"/messages/{mid}/reject", data={"csrf": csrf, "reason": "x"}).status_code == 401
    assert message_status(web_app, mid)[0] == "pending"


def test_each_login_is_its_own_session(client: TestClient, web_app: Any) -> None:
    """Logging out in one browser leaves another browser's login alone."""
    first_csrf = login(client)
    with TestClient(client.app, follow_redirects=False) as second:
        login(second)
        assert client.cookies[COOKIE] != second.cookies[COOKIE]
        _log_out(client, first_csrf)
        assert second.get("/queue").status_code == 200
        assert client.get("/queue").status_code == 303


def test_logging_in_again_ends_the_session_it_replaces(client: TestClient) -> None:
    login(client)
    kept = client.cookies[COOKIE]
    page = client.get("/login?next=/queue")  # a logged-in browser is sent on; post the form anyway
    assert page.status_code == 303
    csrf = csrf_of(client.get("/queue").text)
    response = client.post("/login", data={"password": PASSWORD, "csrf": csrf, "next": "/queue"})
    assert response.status_code == 303
    assert client.cookies[COOKIE] != kept
    assert client.get("/queue").status_code == 200
    assert _with_cookie(client.app, kept).get("/queue").status_code == 303


def test_logging_out_twice_is_no_error(client: TestClient) -> None:
    """A second tab's logout button after the first tab logged out: still just logged out."""
    csrf = login(client)
    kept = client.cookies[COOKIE]
    _log_out(client, csrf)
    response = _with_cookie(client.app, kept).post("/logout", data={"csrf": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_a_cookie_without_a_session_id_is_not_logged_in(client: TestClient, web_app: Any) -> None:
    """A cookie signed before sessions had ids could never be ended: it must log in again."""
    codec = client.app.state.site.codec  # type: ignore[attr-defined]
    old = codec.serializer.dumps({"u": "approver", "c": "token", "f": []})
    assert _with_cookie(client.app, old).get("/queue").status_code == 303


def test_ended_sessions_are_forgotten_once_their_cookies_expired(client: TestClient, web_app: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from nurture.adapters.db.tables import WebLogout
    from nurture.entrypoints.web.logouts import Logouts

    start = datetime.now(UTC)
    now = [start]
    logouts = Logouts(web_app.factory, 3600, clock=lambda: now[0])
    logouts.end("a")
    logouts.end("a")  # twice: no error
    assert logouts.ended("a") and not logouts.ended("b")
    now[0] = start + timedelta(hours=2)
    logouts.end("b")
    with web_app.factory() as session:
        assert session.scalar(select(func.count()).select_from(WebLogout)) == 1
    assert logouts.ended("b") and not logouts.ended("a")


def test_the_migration_creates_the_logout_table_as_modelled(db_url: str) -> None:
    """Revision 0003 adds `web_logouts`; after it the schema matches the model (tests/integration/db checks 0002)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from nurture.adapters.db.engine import make_engine, upgrade
    from nurture.adapters.db.tables import Base

    engine = make_engine(db_url)
    try:
        assert upgrade(engine) == "0003"
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        structural = [d for d in diff if d[0] in ("add_table", "remove_table", "add_column", "remove_column",
                                                  "add_index", "remove_index")]  # fmt: skip
        assert structural == []
    finally:
        engine.dispose()


def test_without_the_logout_table_the_page_says_to_run_init(client: TestClient, web_app: Any) -> None:
    """A database not yet upgraded (`nurture init` not run after updating): nothing is shown, the fix is named."""
    from sqlalchemy import text

    mid = add_message(web_app, add_contact(web_app))
    csrf = login(client)
    with web_app.engine.begin() as conn:
        conn.execute(text("DROP TABLE web_logouts"))
    response = client.get(f"/messages/{mid}")
    assert response.status_code == 503
    assert "nurture init" in response.text
    response = client.post(f"/messages/{mid}/reject", data={"csrf": csrf, "reason": "x"})
    assert response.status_code == 503
    assert message_status(web_app, mid)[0] == "pending"
