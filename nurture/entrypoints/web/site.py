"""What every page handler needs: the App, the renderer, the session codec, the login throttle, the logouts.

One object on `starlette_app.state`, so handlers reach the program without module globals
and tests can run several independent sites side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import FormData
from starlette.requests import Request

from nurture.adapters.db.tables import MAX_ID, MAX_ID_DIGITS
from nurture.entrypoints.app import App
from nurture.entrypoints.web.logouts import Logouts
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
    logouts: Logouts


def site(request: Request) -> Site:
    found: Site = request.app.state.site
    return found


async def checked_form(request: Request) -> FormData | None:
    """The submitted form when its CSRF token matches the session's, else None.

    NUL characters are dropped from every value: no text field holds one (PostgreSQL refuses
    them outright), and a note or a name should not fail to save over an invisible character.
    """
    form = await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)
    if not csrf_ok(request, form.get("csrf")):
        return None
    return FormData([(k, v.replace("\x00", "") if isinstance(v, str) else v) for k, v in form.multi_items()])


def text_param(value: object, limit: int) -> str:
    """A query or form value as single-spaced text without NUL, at most `limit` characters."""
    return " ".join(str(value or "").replace("\x00", "").split())[:limit]


def int_or(value: object, default: int) -> int:
    """`value` as an integer the database can compare with its INTEGER columns, else `default`."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    # Ids and page numbers meet INTEGER columns: a larger number from a URL or a form is none of them.
    return number if -MAX_ID - 1 <= number <= MAX_ID else default


class IdConvertor(Convertor[int]):
    """`{name:id}` in a route: as many digits as a row id has at most (a longer number: 404, not a crash)."""

    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())
