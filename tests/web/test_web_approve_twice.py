"""An approve form sent twice (double click, back button, reload) and bulk banners that say what happened."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient
from web_support import NOW, add_contact, add_message, message_status

Client = tuple[TestClient, str]


def seen_on(page: str, name: str = "seen") -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]+)"', page)
    assert found, f"no {name} field on the page"
    return found.group(1)


def flashes(client: TestClient, location: str) -> list[str]:
    found = re.findall(r'<p class="flash" role="status">([^<]*)</p>', client.get(location).text)
    return [html.unescape(f) for f in found]


def test_the_same_approve_form_sent_twice_says_already_approved(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    mid = add_message(web_app, add_contact(web_app))
    form = {"csrf": token, "seen": seen_on(client.get(f"/messages/{mid}").text)}
    first = client.post(f"/messages/{mid}/approve", data=form)
    assert first.status_code == 303
    second = client.post(f"/messages/{mid}/approve", data=form)
    assert second.status_code == 303
    assert second.headers["location"] == "/queue"
    notes = flashes(client, "/queue")
    # The first response's banner was never shown (the browser followed the second); this one must be true.
    assert any(n.startswith(f"Message {mid} is already approved (by web at 2026-11-23 10:00 CET)") for n in notes), notes
    assert not any("changed after you opened it" in n or "nothing was approved" in n for n in notes), notes
    assert message_status(web_app, mid)[0] == "approved"


def test_approved_by_someone_else_names_them(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    mid = add_message(web_app, add_contact(web_app))
    seen = seen_on(client.get(f"/messages/{mid}").text)
    [result] = web_app.desk().approve([mid], "Jana Beispiel")
    assert result.ok
    response = client.post(f"/messages/{mid}/approve", data={"csrf": token, "seen": seen})
    notes = flashes(client, response.headers["location"])
    assert any(f"Message {mid} is already approved (by Jana Beispiel at " in n for n in notes), notes


def test_a_really_changed_message_is_still_refused(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    cid = add_contact(web_app, first_name="Maria", last_name="Huber")
    mid = add_message(web_app, cid)
    seen = seen_on(client.get(f"/messages/{mid}").text)
    client.post(f"/contacts/{cid}/edit", data={"csrf": token, "last_name": "Huber-Lang"})
    response = client.post(f"/messages/{mid}/approve", data={"csrf": token, "seen": seen})
    assert response.headers["location"] == f"/messages/{mid}"
    notes = flashes(client, response.headers["location"])
    assert any(f"message {mid} changed after you opened it" in n for n in notes), notes
    assert message_status(web_app, mid)[0] == "pending"


def _bulk_form(client: TestClient, token: str, ids: list[int]) -> dict[str, Any]:
    listed = client.get("/queue").text
    return {"csrf": token, "id": [str(i) for i in ids], "back": "status=pending",
            **{f"seen-{i}": seen_on(listed, f"seen-{i}") for i in ids}}  # fmt: skip


def test_approve_selected_sent_twice_says_already_approved(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    ids = [add_message(web_app, add_contact(web_app), send_at=NOW + timedelta(days=i + 1)) for i in range(3)]
    form = _bulk_form(client, token, ids)
    first = client.post("/queue/approve", data=form)
    assert flashes(client, first.headers["location"]) == ["Approved 3 of 3 message(s)."]
    response = client.post("/queue/approve", data=form)  # the back button, then the same button again
    notes = flashes(client, response.headers["location"])
    assert notes[0] == "Approved 0 of 3 message(s).", notes
    for mid in ids:
        assert any(n.startswith(f"Message {mid} is already approved (by web at ") for n in notes), notes
    assert not any("changed after you opened it" in n or "nothing was approved" in n for n in notes), notes


def test_bulk_banner_with_one_changed_message_does_not_contradict_itself(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    contacts = [add_contact(web_app) for _ in range(5)]
    ids = [add_message(web_app, c, send_at=NOW + timedelta(days=i + 1)) for i, c in enumerate(contacts)]
    form = _bulk_form(client, token, ids)
    edited = client.post(f"/contacts/{contacts[2]}/edit", data={"csrf": token, "last_name": "Neumann"})
    flashes(client, edited.headers["location"])
    response = client.post("/queue/approve", data=form)
    notes = flashes(client, response.headers["location"])
    assert notes[0] == "Approved 4 of 5 message(s).", notes
    [line] = [n for n in notes if f"message {ids[2]}" in n]
    assert line.startswith(f"Not approved: message {ids[2]} changed after you opened it")
    assert "nothing was approved" not in " ".join(notes)
    assert [message_status(web_app, i)[0] for i in ids] == ["approved", "approved", "pending", "approved", "approved"]


def test_bulk_banner_stays_within_what_the_session_keeps(logged_in: Client, web_app: Any) -> None:
    """The session keeps five messages: the summary must not be pushed out by the details."""
    client, token = logged_in
    ids = [add_message(web_app, add_contact(web_app), send_at=NOW + timedelta(days=i + 1)) for i in range(8)]
    form = _bulk_form(client, token, ids)
    first = client.post("/queue/approve", data={**form, "id": [str(i) for i in ids[:6]]})
    flashes(client, first.headers["location"])
    blocked = add_message(web_app, add_contact(web_app), status="blocked", reason="offer language")
    response = client.post("/queue/approve", data={**form, "id": [*form["id"], str(blocked)]})
    notes = flashes(client, response.headers["location"])
    assert notes[0] == "Approved 2 of 9 message(s).", notes
    assert len(notes) == 5
    assert notes[1].startswith(f"Not approved: message {blocked} is blocked")
    assert notes[-1] == "… and 4 more approved already."
