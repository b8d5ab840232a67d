"""The approval page and a failed message: the desk's rule decides, so it may be approved again there too."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient
from web_support import add_contact, add_message, message_status

Client = tuple[TestClient, str]


def test_a_failed_message_offers_approve_and_goes_back_to_approved(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    mid = add_message(web_app, add_contact(web_app), status="failed",
                      reason="gave up after 8 attempts: 451 4.3.0 Try again later")  # fmt: skip
    page = client.get(f"/messages/{mid}").text
    assert 'id="approve-form"' in page
    response = client.post(f"/messages/{mid}/approve", data={"csrf": token})
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    assert message_status(web_app, mid) == ("approved", None)


def test_a_failed_message_of_a_bounced_contact_is_refused_with_the_reason(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    from sqlalchemy import update

    from nurture.adapters.db.tables import Contact

    cid = add_contact(web_app)
    with web_app.factory() as session, session.begin():
        session.execute(update(Contact).where(Contact.id == cid).values(bounced=True))
    mid = add_message(web_app, cid, status="failed", reason="550 5.1.1 User unknown")
    response = client.post(f"/messages/{mid}/approve", data={"csrf": token})
    assert response.headers["location"] == f"/messages/{mid}"
    assert message_status(web_app, mid)[0] == "failed"
