"""The unsubscribe link of every e-mail: a confirmation page and the RFC 8058 one-click POST.

A GET never unsubscribes (link scanners prefetch URLs, RFC 8058 §1); a POST to a valid link
does, without cookies, login or CSRF token (§3.2), answers 200 and never redirects (§3.1).
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nurture.adapters.db.contact_store import ContactStore
from nurture.entrypoints.web.site import Site, site
from nurture.errors import NotFound
from nurture.outbox.tokens import verify_unsubscribe
from nurture.usecases.unsubscribe import unsubscribe_contact

log = logging.getLogger(__name__)
INVALID = ("This unsubscribe link is not valid. If you copied it from an e-mail, copy the whole link, "
           "or reply to the e-mail and ask to be removed. / Dieser Abmeldelink ist ungültig.")  # fmt: skip


def _invalid(s: Site, request: Request) -> Response:
    return s.pages.render(request, "error.html", {"title": "Invalid link", "text": INVALID}, 400,
                          with_session=False)  # fmt: skip


def _contact_id(s: Site, token: str) -> int | None:
    if len(token) > 300:
        return None
    return verify_unsubscribe(token, s.secret)


async def confirm_page(request: Request) -> Response:
    s = site(request)
    token = request.path_params["token"]
    cid = _contact_id(s, token)
    if cid is None:
        return _invalid(s, request)

    def load() -> tuple[str | None, bool] | None:
        with s.app.factory() as session:
            try:
                view = ContactStore(session).get(cid)
            except NotFound:
                return None
            return view.email, view.unsubscribed

    found = await run_in_threadpool(load)
    if found is None:
        return _invalid(s, request)
    email, done = found
    return s.pages.render(request, "unsubscribe.html", {"email": email, "done": done, "token": token},
                          with_session=False)  # fmt: skip


async def one_click(request: Request) -> Response:
    s = site(request)
    cid = _contact_id(s, request.path_params["token"])
    if cid is None:
        return _invalid(s, request)
    try:  # the body (List-Unsubscribe=One-Click, urlencoded or multipart) carries nothing we need
        await request.form(max_fields=10, max_files=0)
    except Exception:  # a malformed body must not stop an opt-out
        log.debug("unreadable unsubscribe body", exc_info=True)

    def act() -> tuple[str | None, int] | None:
        try:
            view, cancelled = unsubscribe_contact(s.app.factory, cid, s.app.now(), "recipient", "unsubscribe link")
        except NotFound:
            return None
        return view.email, cancelled

    done = await run_in_threadpool(act)
    if done is None:
        return _invalid(s, request)
    log.info("contact unsubscribed by link", extra={"action": "unsubscribe", "contact_id": cid,
                                                    "cancelled": done[1]})  # fmt: skip
    return s.pages.render(request, "unsubscribe.html", {"email": done[0], "done": True, "token": ""},
                          with_session=False)  # fmt: skip


routes = [
    Route("/u/{token}", confirm_page, methods=["GET", "HEAD"]),
    Route("/u/{token}", one_click, methods=["POST"]),
]
