"""Every page of the approval site through the in-process client, against a real database."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient
from web_support import NOW, add_contact, add_message, message_status

from nurture.adapters.db.graph_store import GraphStore
from nurture.adapters.db.tables import Message, Touch

Client = tuple[TestClient, str]


def queue_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)]


def test_queue_lists_pending_and_filters(logged_in: Client, web_app: Any) -> None:
    client, _ = logged_in
    a = add_contact(web_app, first_name="Berta", last_name="Alpha", company="Acme", tier="A")
    c = add_contact(web_app, first_name="Carl", last_name="Gamma", gender="male", company="Zeta", tier="C")
    birthday = add_message(web_app, a, send_at=NOW + timedelta(days=2))
    drop = add_message(web_app, c, occasion="content_drop", send_at=NOW + timedelta(days=1))
    review = add_message(web_app, c, status="review", reason="no gender")
    assert queue_ids(client.get("/queue").text) == [drop, birthday]
    assert queue_ids(client.get("/queue?status=review").text) == [review]
    assert queue_ids(client.get("/queue?status=all").text) == [drop, birthday, review]
    assert queue_ids(client.get("/queue?occasion=birthday").text) == [birthday]
    assert queue_ids(client.get("/queue?tier=C").text) == [drop]
    assert queue_ids(client.get("/queue?q=acme").text) == [birthday]
    assert queue_ids(client.get("/queue?q=gamma").text) == [drop]
    page = client.get("/queue?status=bogus&tier=Z").text
    assert queue_ids(page) == [drop, birthday]
    assert "pending (2)" in page and "review (1)" in page


def test_bulk_approve_moves_only_the_selected(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    cid = add_contact(web_app)
    ids = [add_message(web_app, cid, send_at=NOW + timedelta(days=i + 1)) for i in range(3)]
    response = client.post("/queue/approve", data={"csrf": token, "id": [str(ids[0]), str(ids[2])],
                                                   "back": "status=pending"})  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"].startswith("/queue?")
    assert [message_status(web_app, i)[0] for i in ids] == ["approved", "pending", "approved"]
    page = client.get(response.headers["location"]).text
    assert "Approved 2 of 2 message(s)." in page
    assert queue_ids(page) == [ids[1]]


def test_bulk_approve_reports_what_cannot_be_approved(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    cid = add_contact(web_app)
    ok = add_message(web_app, cid)
    blocked = add_message(web_app, cid, status="blocked", reason="offer language")
    response = client.post("/queue/approve", data={"csrf": token, "id": [str(ok), str(blocked)]})
    page = client.get(response.headers["location"]).text
    assert "Approved 1 of 2 message(s)." in page
    assert f"message {blocked} is blocked" in page
    assert message_status(web_app, blocked)[0] == "blocked"


def test_select_all_checks_every_pending_row(logged_in: Client, web_app: Any) -> None:
    client, _ = logged_in
    cid = add_contact(web_app)
    for _ in range(3):
        add_message(web_app, cid)
    assert client.get("/queue").text.count(" checked>") == 0
    assert client.get("/queue?select=all").text.count(" checked>") == 3


def test_message_page_shows_the_exact_mail(logged_in: Client, web_app: Any) -> None:
    client, _ = logged_in
    cid = add_contact(web_app, first_name="Clara", last_name="Schmidt", email="clara@example.org")
    html = '<p>Hallo</p><script>alert("x")</script>'
    mid = add_message(web_app, cid, subject="Alles Gute", text="Sehr geehrte Frau Schmidt,\n\nviel Glück.\n",
                      html=html)  # fmt: skip
    page = client.get(f"/messages/{mid}").text
    assert "Alles Gute" in page and "viel Glück." in page
    assert "clara@example.org" in page
    assert "Message-ID" in page or "Message-Id" in page
    iframe = re.search(r"<iframe[^>]*>", page)
    assert iframe is not None
    assert 'sandbox=""' in iframe.group(0)
    assert "&lt;script&gt;" in iframe.group(0)
    assert "<script>" not in page


def test_offer_guard_findings_are_highlighted(logged_in: Client, web_app: Any) -> None:
    client, _ = logged_in
    cid = add_contact(web_app)
    text = "Sehr geehrte Frau Muster,\n\nunser Angebot: jetzt kaufen und 20 % Rabatt sichern!\n"
    findings = web_app.composer.guard("Betreff\n" + text, "de")
    assert findings, "the offer guard should object to this text"
    mid = add_message(web_app, cid, subject="Betreff", text=text, status="blocked", reason="offer language")
    page = client.get(f"/messages/{mid}").text
    marks = re.findall(r'<mark title="[^"]+">([^<]+)</mark>', page)
    assert marks
    assert {f.phrase.casefold() for f in findings} & {m.casefold() for m in marks}
    assert all(m.casefold() in text.casefold() for m in marks)
    assert f'action="/messages/{mid}/approve"' not in page  # a blocked message cannot be approved


def test_approve_from_the_message_page(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    mid = add_message(web_app, add_contact(web_app))
    response = client.post(f"/messages/{mid}/approve", data={"csrf": token, "note": ""})
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    assert message_status(web_app, mid)[0] == "approved"
    page = client.get("/queue").text
    assert "Approved: approved message" in page
    assert mid not in queue_ids(page)
    history = client.get(f"/messages/{mid}").text
    assert "approved" in history and "web" in history


def test_approve_with_a_personal_line_renders_it_into_the_message(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    mid = add_message(web_app, add_contact(web_app, first_name="Maria", last_name="Huber"),
                      occasion_date=(NOW + timedelta(days=3)).date())  # fmt: skip
    note = "Schön, dass wir uns im Mai in Wien gesehen haben."
    client.post(f"/messages/{mid}/approve", data={"csrf": token, "note": note})
    with web_app.factory() as session:
        row = session.get(Message, mid)
        assert row is not None
        assert (row.status, row.note) == ("approved", note)
        assert note in row.text


def test_reject_needs_a_reason(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    mid = add_message(web_app, add_contact(web_app))
    response = client.post(f"/messages/{mid}/reject", data={"csrf": token, "reason": "  "})
    assert response.headers["location"] == f"/messages/{mid}"
    assert message_status(web_app, mid)[0] == "pending"
    assert "Give a reason" in client.get(f"/messages/{mid}").text
    client.post(f"/messages/{mid}/reject", data={"csrf": token, "reason": "wrong tone"})
    assert message_status(web_app, mid) == ("rejected", "wrong tone")


def test_unknown_message_is_a_404(logged_in: Client) -> None:
    client, _ = logged_in
    response = client.get("/messages/999999")
    assert response.status_code == 404
    assert "no message 999999" in response.text


def test_review_fix_forms_the_salutation_and_frees_the_messages(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    cid = add_contact(web_app, first_name=None, last_name="Berger", gender=None)
    mid = add_message(web_app, cid, status="review", reason="no neutral form")
    page = client.get("/review").text
    assert f'id="contact-{cid}"' in page and "Berger" in page and "needs the first name" in page
    response = client.post(f"/contacts/{cid}/edit", data={
        "csrf": token, "back": "review", "first_name": "", "last_name": "Berger", "gender": "female",
        "title": "Dr.", "formality": "formal", "language": "de", "country": "DE",
    })  # fmt: skip
    assert response.headers["location"] == f"/contacts/{cid}"
    contact = client.get(f"/contacts/{cid}").text
    assert "Sehr geehrte Frau Dr. Berger," in contact
    assert "1 message(s) now pending." in contact
    assert message_status(web_app, mid)[0] == "pending"
    assert f'id="contact-{cid}"' not in client.get("/review").text


def test_edit_rejects_bad_values(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    cid = add_contact(web_app)
    client.post(f"/contacts/{cid}/edit", data={"csrf": token, "gender": "robot"})
    assert "Not saved: gender must be one of" in client.get(f"/contacts/{cid}").text
    client.post(f"/contacts/{cid}/edit", data={"csrf": token, "country": "Germany"})
    assert "Not saved" in client.get(f"/contacts/{cid}").text


def test_contact_page_shows_neighbours_and_timeline(logged_in: Client, web_app: Any) -> None:
    client, _ = logged_in
    cid = add_contact(web_app, first_name="Nora", last_name="Knoten", company="Solo GmbH")
    friend = add_contact(web_app, first_name="Otto", last_name="Freund", gender="male", company="Other AG")
    with web_app.factory() as session, session.begin():
        GraphStore(session).link(cid, friend, "knows", NOW)
        session.add(Touch(contact_id=cid, at=NOW - timedelta(days=10), note="Kaffee in Berlin", source="manual"))
    planned = add_message(web_app, cid, subject="Zum Geburtstag")
    sent = add_message(web_app, cid, status="sent", subject="Checkliste", sent_at=NOW - timedelta(days=40),
                       send_at=NOW - timedelta(days=40))  # fmt: skip
    page = client.get(f"/contacts/{cid}").text
    assert f'<a href="/contacts/{friend}">Otto Freund</a>' in page
    planned_part = page.split('id="planned"')[1].split('id="past"')[0]
    past_part = page.split('id="past"')[1]
    assert f"/messages/{planned}" in planned_part and "Zum Geburtstag" in planned_part
    assert f"/messages/{sent}" in past_part and "Kaffee in Berlin" in past_part
    assert "Sehr geehrte Frau" in page


def test_dashboard_draws_both_charts(logged_in: Client, web_app: Any) -> None:
    client, _ = logged_in
    a = add_contact(web_app, tier="A")
    add_contact(web_app, tier="C", gender="male")
    day = NOW + timedelta(days=5)
    for _ in range(3):
        add_message(web_app, a, send_at=day)
    add_message(web_app, a, status="rejected", send_at=day)
    add_message(web_app, a, status="sent", send_at=NOW - timedelta(days=20), sent_at=NOW - timedelta(days=20))
    page = client.get("/dashboard").text
    assert page.count("<svg") == 2
    heat = page.split('id="plan-chart"')[1].split("</figure>")[0]
    assert f'data-date="{day.date().isoformat()}" data-count="3"' in heat
    assert heat.count('class="day"') >= 89
    bars = page.split('id="coverage-chart"')[1].split("</figure>")[0]
    # one sent in the last 90 days + three planned in the next 90
    assert 'class="bar touches" data-tier="A" data-value="4"' in bars
    assert 'data-tier="C"' in bars
