"""The approval site as an ASGI application, and the uvicorn server that serves it.

`create_app` refuses to build a site without a password and a secret key, so a
misconfigured page never starts open. `start_embedded` serves inside the daemon's event loop
and leaves signal handling to the daemon.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator

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
from nurture.entrypoints.web.logouts import Logouts
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
    logouts = Logouts(app.factory, codec.max_age)
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
        middleware=[Middleware(LoginRequired, codec=codec, ended=logouts.ended)],
        exception_handlers={NotFound: not_found, HTTPException: http_error},
        max_body_size=MAX_BODY,
    )
    site.state.site = Site(app=app, pages=pages, codec=codec, throttle=LoginThrottle(), password=password,
                           secret=secret, logouts=logouts)  # fmt: skip
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


def page_url(host: str, port: int) -> str:
    """The address a browser opens, e.g. http://127.0.0.1:8080/ (IPv6 hosts in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def listen(config: uvicorn.Config) -> socket.socket:
    """The listening socket for `config`, bound now: a taken port is a plain error before anything is said."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((config.host, config.port))
        sock.listen(config.backlog)  # connections wait in the queue from now on, not refused
    except OSError as exc:
        sock.close()
        raise NurtureError(f"the approval page could not listen on {config.host}:{config.port} "
                           f"({exc.strerror or exc}); is another program using that port? "
                           "Change [web] bind or stop the other program") from None  # fmt: skip
    return sock


def serve(app: App, *, host: str | None = None, port: int | None = None,
          announce: Callable[[str], None] | None = None) -> None:  # fmt: skip
    """Serve the approval page until interrupted (`nurture web`).

    The socket is bound first, so `announce` (the command prints with it) says where the page
    is only once it really listens there, with the port the system gave for port 0.
    """
    config = site_config(app, host, port)  # NurtureError naming what to set
    sock = listen(config)
    url = page_url(config.host, int(sock.getsockname()[1]))
    log.info(f"approval page on {url}")
    if announce is not None:
        announce(f"approval page on {url}; press Ctrl+C to stop it")
    try:
        ForegroundServer(config).run(sockets=[sock])
    finally:
        sock.close()
    if announce is not None:
        announce("approval page stopped")


class ForegroundServer(uvicorn.Server):
    """`nurture web`: Ctrl+C or SIGTERM finish the requests under way, then the command ends normally.

    uvicorn would raise the signal again after its shutdown, and the command line would then
    end with "Aborted!" and a failure status for a stop that was asked for.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        stops = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in stops}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


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
    sock = listen(config)
    server = EmbeddedServer(config)
    return server, asyncio.ensure_future(server.serve(sockets=[sock]))
