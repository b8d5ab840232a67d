"""Odd values in every query parameter, form field and path of the approval page: never a server error.

A URL or a form is untrusted input (product rule 6): a number too large for the database, a
NUL, markup, a huge value or junk must give a page, a redirect or a refusal, not a 500.
"""

from __future__ import annotations

import itertools
from typing import Any

from web_support import add_contact, add_message

ODD = ["", "-1", "0", "abc", "99999999999999999999999", "2147483648", "1e9", "%00", "\x00", "<script>", "ä",
       "' OR 1=1 --", "🙂" * 50, "x" * 5000, "1,2", "NaN"]  # fmt: skip
QUERY_KEYS = ["page", "tier", "occasion", "q", "status", "select", "contact"]
FORM_KEYS = ["note", "reason", "id", "back", "gender", "title", "first_name", "last_name", "language", "country",
             "tier", "email", "formality", "timezone", "birthday"]  # fmt: skip


def test_odd_values_never_give_a_server_error(logged_in: tuple[Any, str], web_app: Any) -> None:
    client, token = logged_in
    cid = add_contact(web_app)
    mid = add_message(web_app, cid)
    errors: list[tuple[Any, ...]] = []
    pages = ["/queue", "/dashboard", "/review", f"/messages/{mid}", f"/contacts/{cid}", "/"]
    for path, key, value in itertools.product(pages, QUERY_KEYS, ODD):
        response = client.get(path, params={key: value})
        if response.status_code >= 500:
            errors.append(("GET", path, key, value[:20], response.status_code))
    forms = [f"/messages/{mid}/approve", f"/messages/{mid}/reject", "/queue/approve", f"/contacts/{cid}/edit"]
    for path, key, value in itertools.product(forms, FORM_KEYS, ODD):
        response = client.post(path, data={"csrf": token, key: value})
        if response.status_code >= 500:
            errors.append(("POST", path, key, value[:20], response.status_code))
    for huge in ["2147483648", "99999999999999999999999", "9" * 5000]:
        for path in [f"/messages/{huge}", f"/contacts/{huge}"]:
            response = client.get(path)
            if response.status_code >= 500:
                errors.append(("GET", path[:40], response.status_code))
        for path in [f"/messages/{huge}/approve", f"/messages/{huge}/reject", f"/contacts/{huge}/edit"]:
            response = client.post(path, data={"csrf": token})
            if response.status_code >= 500:
                errors.append(("POST", path[:40], response.status_code))
    for value in [v for v in ODD if "\x00" not in v and v]:
        response = client.get("/u/" + value)
        if response.status_code >= 500:
            errors.append(("GET", "/u/", value[:20], response.status_code))
    assert not errors, errors[:20]
    # The odd ids never touched the real message: it still waits for approval.
    assert client.get(f"/messages/{mid}").status_code == 200
