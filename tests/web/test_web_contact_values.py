"""The fix form refuses a country the import refuses, with the import's words, and stores one it accepts as it would."""

from __future__ import annotations

import html
import re
from typing import Any

from starlette.testclient import TestClient
from web_support import add_contact

from nurture.adapters.db.tables import Contact
from nurture.adapters.importers.values import ValueProblem, parse_country

Client = tuple[TestClient, str]


def _country(app: Any, cid: int) -> str | None:
    with app.factory() as session:
        row = session.get(Contact, cid)
        assert row is not None
        return row.country


def _flashes(client: TestClient, location: str) -> list[str]:
    found = re.findall(r'<p class="flash" role="status">([^<]*)</p>', client.get(location).text)
    return [html.unescape(f) for f in found]


def _import_says(value: str) -> str:
    try:
        parse_country(value)
    except ValueProblem as exc:
        return str(exc)
    raise AssertionError(f"the import accepts {value!r}")


def test_fix_form_refuses_a_country_that_is_none(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    cid = add_contact(web_app, country="DE")
    for value in ("XX", "UK"):
        response = client.post(f"/contacts/{cid}/edit", data={"csrf": token, "country": value})
        assert response.status_code == 303
        notes = _flashes(client, response.headers["location"])
        assert f"Not saved: country: {_import_says(value)}" in notes, notes
        assert _country(web_app, cid) == "DE"


def test_fix_form_stores_a_country_as_the_import_would(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    cid = add_contact(web_app, country="DE")
    response = client.post(f"/contacts/{cid}/edit", data={"csrf": token, "country": " at "})
    assert any(n.startswith(f"Saved contact {cid}.") for n in _flashes(client, response.headers["location"]))
    assert _country(web_app, cid) == "AT"
