"""What every page handler needs: the App, the renderer, the session codec, the login throttle.

One object on `starlette_app.state`, so handlers reach the program without module globals
and tests can run several independent sites side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.convertors import Convertor, register_url_convertor
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


# Ids and page numbers are INTEGER columns and bounds: a larger number from a URL or a form is no id.
_INT_MAX = 2**31 - 1


def int_or(value: object, default: int) -> int:
    """`value` as an integer the database can compare with its INTEGER columns, else `default`."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return number if -_INT_MAX - 1 <= number <= _INT_MAX else default


class IdConvertor(Convertor[int]):
    """`{name:id}` in a route: a row id of at most ten digits (a longer number is no id: 404, not a crash)."""

    regex = "[0-9]{1,10}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())
