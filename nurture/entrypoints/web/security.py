"""Login, the signed session cookie, logged-out sessions, CSRF tokens and login throttling.

Kept apart from the pages so that every rule that keeps strangers out lives in one module:
every path except the public ones needs a session, every state-changing form carries the
session's CSRF token, and failed logins are throttled per client address.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from nurture.errors import NurtureError

COOKIE = "nurture_session"
SESSION_AGE = 12 * 3600
# Paths reachable without a session: the login form, the health check and the links in e-mails.
PUBLIC_PATHS = ("/login", "/healthz")
PUBLIC_PREFIXES = ("/u/",)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison; hashing first hides the length of the expected password too."""
    a = hashlib.sha256(given.encode("utf-8")).digest()
    b = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(a, b)


@dataclass
class SessionData:
    """What the cookie holds: who is logged in, the session's id, the CSRF token, messages for the next page.

    Each login gets a new random id (`sid`); logging out records it as ended (see `logouts`),
    which the signature alone could never express. A logged-in cookie without an id (signed
    before sessions had one) counts as logged out: it could not be ended.
    """

    user: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    flash: list[str] = field(default_factory=list)
    sid: str | None = None

    @classmethod
    def logged_in(cls, user: str) -> SessionData:
        """A brand-new session for `user`: a new id and a new CSRF token, nothing from before the login."""
        return cls(user=user, sid=secrets.token_urlsafe(24))

    def to_dict(self) -> dict[str, Any]:
        return {"u": self.user, "c": self.csrf, "f": self.flash[-5:], "s": self.sid}

    @classmethod
    def from_dict(cls, data: Any) -> SessionData | None:
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        user = data.get("u")
        sid = data.get("s")
        flash = data.get("f") or []
        if not isinstance(sid, str) or not sid:
            user, sid = None, None
        return cls(user=user if isinstance(user, str) else None, csrf=data["c"],
                   flash=[str(f) for f in flash if isinstance(f, str)], sid=sid)  # fmt: skip


class SessionCodec:
    """Signs and verifies the session cookie (itsdangerous, HMAC with the secret key)."""

    def __init__(self, secret: bytes, secure: bool, max_age: int = SESSION_AGE) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="nurture.web.session")
        self.secure = secure
        self.max_age = max_age

    def load(self, request: Request) -> SessionData | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            return SessionData.from_dict(self.serializer.loads(raw, max_age=self.max_age))
        except BadSignature:
            return None

    def store(self, response: Response, session: SessionData, request: Request) -> Response:
        response.set_cookie(
            COOKIE,
            self.serializer.dumps(session.to_dict()),
            max_age=self.max_age,
            httponly=True,
            samesite="lax",
            secure=self.secure or request.url.scheme == "https",
            path="/",
        )
        return response

    def clear(self, response: Response) -> Response:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
        return response


class LoginThrottle:
    """At most `limit` failed logins per client address within `window` seconds.

    Memory only: it guards a single process, and a restart merely resets the counters.
    """

    def __init__(self, limit: int = 5, window: float = 900.0, timer: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.timer = limit, window, timer
        self.failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.timer()
        found = self.failures.setdefault(key, deque())
        while found and found[0] <= now - self.window:
            found.popleft()
        return found

    def retry_after(self, key: str) -> int:
        """Seconds until the next attempt is allowed; 0 when it is allowed now."""
        found = self._recent(key)
        if len(found) < self.limit:
            return 0
        return max(1, int(found[0] + self.window - self.timer()) + 1)

    def failed(self, key: str) -> None:
        self._recent(key).append(self.timer())
        if len(self.failures) > 10_000:  # forget the oldest addresses rather than grow without end
            for stale in list(self.failures)[:1000]:
                del self.failures[stale]

    def succeeded(self, key: str) -> None:
        self.failures.pop(key, None)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_public(path: str, public: Iterable[str] = PUBLIC_PATHS, prefixes: Iterable[str] = PUBLIC_PREFIXES) -> bool:
    return path in public or any(path.startswith(p) for p in prefixes)


def _logged_out(request: Request) -> Response:
    """A form sent after the session ended (or without one): nothing was done; say so, and offer to log in.

    The way back is the page the form was on, when the browser names one of this site's pages.
    """
    referer = urlsplit(request.headers.get("referer", ""))
    back = "/queue"
    if referer.netloc == request.headers.get("host", "") and referer.path.startswith("/"):
        back = safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    link = html.escape(f"/login?next={quote(back, safe='')}")
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Logged out · nurture</title></head>"
        "<body><h1>You are logged out</h1><p>Your session has ended, so nothing was changed. "
        f'<a href="{link}">Log in</a> and do it again.</p></body></html>'
    )
    headers = {"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
               "X-Content-Type-Options": "nosniff"}  # fmt: skip
    return HTMLResponse(body, status_code=401, headers=headers)


def _unavailable(problem: str) -> Response:
    """Whether a session was logged out cannot be told: nothing is shown and nothing is done."""
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Unavailable · nurture</title></head>"
        "<body><h1>The approval page cannot check your session</h1>"
        f"<p>{html.escape(problem)}</p><p>Nothing was changed. Try again once that is fixed.</p></body></html>"
    )
    headers = {"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
               "X-Content-Type-Options": "nosniff", "Retry-After": "60"}  # fmt: skip
    return HTMLResponse(body, status_code=503, headers=headers)


class LoginRequired:
    """ASGI middleware: every non-public path needs a logged-in session; the session goes to request.state.

    A session that was logged out (`ended`, asked in a worker thread: it reads the database)
    counts as no session at all, on every path, whatever its cookie's signature says.
    """

    def __init__(self, app: ASGIApp, codec: SessionCodec, ended: Callable[[str], bool] | None = None) -> None:
        self.app, self.codec, self.ended = app, codec, ended

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        session = self.codec.load(request)
        if session is not None and session.sid is not None and self.ended is not None:
            try:
                ended = await run_in_threadpool(self.ended, session.sid)
            except NurtureError as exc:  # the database cannot say (unreachable, or `nurture init` is due): shut
                await _unavailable(str(exc))(scope, receive, send)
                return
            if ended:
                session = None
        scope.setdefault("state", {})["session"] = session
        if session is None or session.user is None:
            if not is_public(request.url.path):
                response: Response
                if request.method in ("GET", "HEAD"):
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
                elif request.url.path == "/logout":  # logged out already (another tab): that is what was asked
                    response = self.codec.clear(RedirectResponse("/login", status_code=303))
                else:
                    response = _logged_out(request)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def current_session(request: Request) -> SessionData:
    """The session the middleware found; a fresh anonymous one when there is none."""
    found = request.state.session if hasattr(request.state, "session") else None
    if found is None:
        found = SessionData()
        request.state.session = found
    return found


def same_origin(request: Request) -> bool:
    """A browser's Origin header, when sent, must name this very site."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


def csrf_ok(request: Request, form_token: Any) -> bool:
    """The form's token must equal the session's; compared in constant time."""
    session = current_session(request)
    if not isinstance(form_token, str) or not form_token or not same_origin(request):
        return False
    return hmac.compare_digest(form_token.encode(), session.csrf.encode())


def safe_next(target: str | None) -> str:
    """Only local paths after login: no open redirect to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target
