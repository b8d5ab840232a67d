"""The page's own HTML: the Jinja2 environment (autoescaped), filters and response helpers.

The e-mail templates live in the top-level templates/ folder; these are the pages of the
approval site, kept in this package so that the two can never be mixed up.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from nurture.domain.contacts import stored_name
from nurture.entrypoints.web.security import SessionCodec, current_session
from nurture.planning.send_time import UnknownTimeZone, zone

TEMPLATES = Path(__file__).with_name("templates")
# No script may run on these pages; e-mail previews inherit this policy inside their sandbox.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def local_time(value: datetime | None, timezone: str = "UTC", fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """An instant shown in a given zone (the contact's, for send times)."""
    if value is None:
        return ""
    try:
        return value.astimezone(zone(timezone)).strftime(fmt)
    except UnknownTimeZone:  # a stored zone that is none ("Europe" is a folder)
        return value.strftime(fmt)


def plain_name(first_name: str | None, last_name: str | None, email: str | None, ident: object) -> str:
    """The name exactly as stored (approvers fix records, so they see them unaltered)."""
    return stored_name(first_name, last_name, email, ident)


def contact_name(contact: Any) -> str:
    return plain_name(contact.first_name, contact.last_name, contact.email, contact.id)


def query(params: dict[str, Any], **changes: Any) -> str:
    """A query string with some parameters changed; empty values are dropped."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "", 0)})


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = local_time
    env.filters["name"] = contact_name
    env.globals["query"] = query
    return env


class Pages:
    """Renders a page with the session's CSRF token and pending flash messages."""

    def __init__(self, codec: SessionCodec) -> None:
        self.env = make_environment()
        self.codec = codec

    def render(self, request: Request, name: str, context: dict[str, Any] | None = None,
               status_code: int = 200, *, with_session: bool = True) -> Response:  # fmt: skip
        data = dict(context or {})
        if with_session:
            session = current_session(request)
            data.setdefault("csrf", session.csrf)
            data.setdefault("user", session.user)
            data["flash"] = list(session.flash)
            session.flash.clear()
        else:
            data.setdefault("csrf", "")
            data.setdefault("user", None)
            data["flash"] = []
        data.setdefault("path", request.url.path)
        html = self.env.get_template(name).render(**data)
        response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
        if with_session:
            self.codec.store(response, current_session(request), request)
        return response

    def redirect(self, request: Request, url: str, *flash: str) -> Response:
        """See-other after a POST, with a message for the next page."""
        session = current_session(request)
        session.flash.extend(f for f in flash if f)
        response = RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
        return self.codec.store(response, session, request)

    def refuse(self, request: Request, text: str, status_code: int = 403) -> Response:
        return self.render(request, "error.html", {"title": "Refused", "text": text}, status_code,
                           with_session=False)  # fmt: skip
