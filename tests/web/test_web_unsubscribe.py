"""The unsubscribe link: a GET only asks, a POST (RFC 8058 one-click) opts out without a session."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from web_support import SECRET, add_contact, add_message, message_status

from nurture.adapters.db.tables import Contact
from nurture.outbox.tokens import sign_unsubscribe


def unsubscribed(app: Any, cid: int) -> bool:
    with app.factory() as session:
        row = session.get(Contact, cid)
        assert row is not None
        return row.unsubscribed


def test_get_shows_a_confirmation_and_changes_nothing(client: TestClient, web_app: Any) -> None:
    cid = add_contact(web_app, email="leser@example.org")
    token = sign_unsubscribe(cid, SECRET.encode())
    response = client.get(f"/u/{token}")
    assert response.status_code == 200
    assert "leser@example.org" in response.text and f'action="/u/{token}"' in response.text
    assert "set-cookie" not in response.headers
    assert not unsubscribed(web_app, cid)


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_post_unsubscribes_without_session(client: TestClient, web_app: Any, encoding: str) -> None:
    cid = add_contact(web_app)
    mid = add_message(web_app, cid)
    token = sign_unsubscribe(cid, SECRET.encode())
    if encoding == "urlencoded":
        response = client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
    else:
        response = client.post(f"/u/{token}", files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200
    assert "unsubscribed" in response.text
    assert unsubscribed(web_app, cid)
    assert message_status(web_app, mid) == ("rejected", "the contact unsubscribed")
    again = client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    assert unsubscribed(web_app, cid)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_tampered_or_foreign_tokens_are_refused(client: TestClient, web_app: Any, method: str) -> None:
    cid = add_contact(web_app)
    good = sign_unsubscribe(cid, SECRET.encode())
    flipped = good[:-1] + ("A" if good[-1] != "A" else "B")
    foreign = sign_unsubscribe(cid, b"another-secret-entirely")
    for token in (flipped, foreign, "nonsense", "x" * 400):
        response = client.request(method, f"/u/{token}", data={"List-Unsubscribe": "One-Click"} if method == "POST"
                                  else None)  # fmt: skip
        assert response.status_code == 400, token
        assert "not valid" in response.text
        assert not (300 <= response.status_code < 400)
    assert not unsubscribed(web_app, cid)


def test_token_of_a_deleted_contact_is_an_error_page(client: TestClient, web_app: Any) -> None:
    token = sign_unsubscribe(987654, SECRET.encode())
    assert client.get(f"/u/{token}").status_code == 400
    assert client.post(f"/u/{token}").status_code == 400
