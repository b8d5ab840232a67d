"""The approval site as an ASGI application, and the uvicorn server that serves it.

`create_app` refuses to build a site without a password and a secret key, so a
misconfigured page never starts open. `start_embedded` serves inside the daemon's event loop
and leaves signal handling to the daemon.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from nurture.entrypoints.app import App
from nurture.entrypoints.web import (
    routes_auth,
    routes_contacts,
    routes_dashboard,
    routes_message,
    routes_queue,
    routes_unsubscribe,
)
from nurture.entrypoints.web.pages import Pages
from nurture.entrypoints.web.security import LoginRequired, LoginThrottle, SessionCodec
from nurture.entrypoints.web.site import Site
from nurture.errors import NotFound, NurtureError

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


def _required_secrets(app: App) -> tuple[str, bytes]:
    web = app.settings.web
    password = app.settings.web_password()
    if not password:
        env = getattr(web, "password_env", "NURTURE_WEB_PASSWORD")
        raise NurtureError(f"the approval page needs a password: set {env} to the password approvers log in with")
    secret = app.settings.secret_key()
    if not secret:
        env = getattr(web, "secret_key_env", "NURTURE_SECRET_KEY")
        raise NurtureError(
            f"the approval page needs a secret key for its cookies and unsubscribe links: set {env}, "
            'e.g. to the output of `python -c "import secrets; print(secrets.token_urlsafe(32))"`'
        )
    return password, secret


def _home(request: Request) -> Response:
    return RedirectResponse("/queue", status_code=303)


def create_app(app: App) -> Starlette:
    """The approval site for `app`; raises NurtureError naming the variable to set when a secret is missing."""
    password, secret = _required_secrets(app)
    codec = SessionCodec(secret, secure=bool(app.settings.web.secure_cookies))
    pages = Pages(codec)

    async def not_found(request: Request, exc: Exception) -> Response:
        text = str(exc) if isinstance(exc, NotFound) else "There is no such page."
        return pages.render(request, "error.html", {"title": "Not found", "text": text}, 404, with_session=False)

    async def http_error(request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        if code == 404:
            return await not_found(request, exc)
        detail = exc.detail if isinstance(exc, HTTPException) else "error"
        return pages.render(request, "error.html", {"title": f"Error {code}", "text": detail}, code,
                            with_session=False)  # fmt: skip

    routes = [Route("/", _home, methods=["GET"])]
    for module in (routes_auth, routes_queue, routes_message, routes_contacts, routes_dashboard, routes_unsubscribe):
        routes += module.routes
    site = Starlette(
        routes=routes,
        middleware=[Middleware(LoginRequired, codec=codec)],
        exception_handlers={NotFound: not_found, HTTPException: http_error},
        max_body_size=MAX_BODY,
    )
    site.state.site = Site(app=app, pages=pages, codec=codec, throttle=LoginThrottle(), password=password,
                           secret=secret)  # fmt: skip
    return site


def bind_address(app: App, host: str | None = None, port: int | None = None) -> tuple[str, int]:
    """Host and port from `[web] bind` ("host:port"), overridden by explicit values."""
    text = app.settings.web.bind
    bound_host, _, bound_port = text.rpartition(":")
    try:
        default_port = int(bound_port)
    except ValueError:
        raise NurtureError(f"[web] bind = {text!r} needs a port, e.g. 127.0.0.1:8080") from None
    return host or bound_host.strip("[]") or "127.0.0.1", port if port is not None else default_port


def site_config(app: App, host: str | None, port: int | None) -> uvicorn.Config:
    site = create_app(app)
    h, p = bind_address(app, host, port)
    # No access log: unsubscribe tokens are in the paths, and nothing personal belongs in logs.
    return uvicorn.Config(site, host=h, port=p, log_config=None, access_log=False, lifespan="off",
                          server_header=False)  # fmt: skip


def serve(app: App, *, host: str | None = None, port: int | None = None) -> None:
    """Serve the approval page until interrupted (`nurture web`)."""
    config = site_config(app, host, port)
    log.info(f"approval page on http://{config.host}:{config.port}/")
    try:
        uvicorn.Server(config).run()
    except SystemExit as exc:
        raise NurtureError(f"the approval page could not listen on {config.host}:{config.port}; "
                           "is another program using that port? Change [web] bind") from exc  # fmt: skip


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves SIGINT/SIGTERM to the program it runs in (uvicorn ≥ 0.29)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def start_embedded(app: App) -> tuple[EmbeddedServer, asyncio.Task[None]]:
    """Listen, then serve inside the running event loop (`nurture run --web`) until `should_exit`.

    The socket is bound here, before the caller starts any other work: a taken port or a
    missing password ends the start with a plain message (uvicorn would exit the process
    from inside the loop instead).
    """
    config = site_config(app, None, None)  # NurtureError naming what to set
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((config.host, config.port))
    except OSError as exc:
        sock.close()
        raise NurtureError(f"the approval page could not listen on {config.host}:{config.port} "
                           f"({exc.strerror or exc}); is another program using that port? "
                           "Change [web] bind or stop the other program") from None  # fmt: skip
    server = EmbeddedServer(config)
    return server, asyncio.ensure_future(server.serve(sockets=[sock]))
