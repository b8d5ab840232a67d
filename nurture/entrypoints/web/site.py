"""What every page handler needs: the App, the renderer, the session codec, the login throttle.

One object on `starlette_app.state`, so handlers reach the program without module globals
and tests can run several independent sites side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request

from nurture.entrypoints.app import App
from nurture.entrypoints.web.pages import Pages
from nurture.entrypoints.web.security import LoginThrottle, SessionCodec, csrf_ok

ACTOR = "web"
MAX_FORM_FIELDS = 2000


@dataclass
class Site:
    app: App
    pages: Pages
    codec: SessionCodec
    throttle: LoginThrottle
    password: str
    secret: bytes


def site(request: Request) -> Site:
    found: Site = request.app.state.site
    return found


async def checked_form(request: Request) -> FormData | None:
    """The submitted form when its CSRF token matches the session's, else None."""
    form = await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)
    return form if csrf_ok(request, form.get("csrf")) else None


def int_or(value: object, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default
