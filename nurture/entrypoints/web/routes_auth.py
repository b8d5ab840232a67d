"""Login, logout and the health check: the only pages besides unsubscribe that need no session."""

from __future__ import annotations

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from nurture.entrypoints.web.security import (
    SessionData,
    client_key,
    csrf_ok,
    current_session,
    safe_next,
    same_secret,
)
from nurture.entrypoints.web.site import Site, checked_form, site


async def login_form(request: Request) -> Response:
    session = current_session(request)
    if session.user:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return site(request).pages.render(request, "login.html", {"next": safe_next(request.query_params.get("next"))})


def _throttled(s: Site, request: Request, wait: int) -> Response:
    minutes = max(1, round(wait / 60))
    response = s.pages.render(
        request, "login.html",
        {"next": "/queue", "error": f"Too many failed attempts. Try again in about {minutes} minute(s)."},
        status_code=429,
    )  # fmt: skip
    response.headers["Retry-After"] = str(wait)
    return response


async def login(request: Request) -> Response:
    s = site(request)
    key = client_key(request)
    wait = s.throttle.retry_after(key)
    if wait:
        return _throttled(s, request, wait)
    form = await request.form(max_fields=10, max_files=0)
    target = safe_next(str(form.get("next") or ""))
    if not csrf_ok(request, form.get("csrf")):
        return s.pages.render(request, "login.html", {"next": target, "error": "The form had expired; try again."},
                              status_code=403)  # fmt: skip
    password = form.get("password")
    if not isinstance(password, str) or not same_secret(password, s.password):
        s.throttle.failed(key)
        wait = s.throttle.retry_after(key)
        if wait:
            return _throttled(s, request, wait)
        return s.pages.render(request, "login.html", {"next": target, "error": "Wrong password."}, status_code=401)
    s.throttle.succeeded(key)
    # A new session on login, with an id of its own: a token planted before login is never the one
    # used after it, and logging out ends this login only. A login over a live session ends that one:
    # its cookie is replaced here, and a copy of it kept elsewhere must not stay logged in.
    before = current_session(request)
    if before.user is not None and before.sid is not None:
        await run_in_threadpool(s.logouts.end, before.sid)
    request.state.session = SessionData.logged_in("approver")
    return s.pages.redirect(request, target)


async def logout(request: Request) -> Response:
    s = site(request)
    if await checked_form(request) is None:
        return s.pages.refuse(request, "The form had expired or came from another site; reload the page.")
    # Ended in the database, not just forgotten by this browser: a copy of the cookie is worthless now,
    # in this process, after a restart and in every other process on the same database.
    session = current_session(request)
    if session.sid is not None:
        await run_in_threadpool(s.logouts.end, session.sid)
    return s.codec.clear(RedirectResponse("/login", status_code=303))


async def healthz(request: Request) -> Response:
    factory = site(request).app.factory

    def probe() -> None:
        with factory() as session:
            session.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(probe)
    except Exception:  # any database failure means "not healthy"
        return PlainTextResponse("database unavailable", status_code=503)
    return PlainTextResponse("ok")


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/healthz", healthz, methods=["GET", "HEAD"]),
]
