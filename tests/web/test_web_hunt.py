"""What an approver and a recipient meet on the page: stale approvals, buttons that cannot work, odd states."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient
from web_support import NOW, add_contact, add_message, message_status

from nurture.adapters.db.tables import Message, MessageLog

Client = tuple[TestClient, str]


def seen_on(html: str, name: str = "seen") -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]+)"', html)
    assert found, f"no {name} field on the page"
    return found.group(1)


def flashes(client: TestClient, location: str) -> list[str]:
    return re.findall(r'<p class="flash" role="status">([^<]*)</p>', client.get(location).text)


def stored(app: Any, mid: int) -> Message:
    with app.factory() as session:
        row = session.get(Message, mid)
        assert row is not None
        session.expunge(row)
        return row


def test_approval_of_words_changed_since_the_page_was_opened_is_refused(
    logged_in: Client, web_app: Any
) -> None:
    client, token = logged_in
    cid = add_contact(web_app, first_name="Maria", last_name="Huber")
    mid = add_message(web_app, cid)
    page = client.get(f"/messages/{mid}").text
    shown = stored(web_app, mid).text
    assert "Frau Muster" in shown and "Frau Muster" in page
    # Meanwhile, in another tab or by a colleague: the contact is corrected, the message written again.
    edit = client.post(f"/contacts/{cid}/edit", data={"csrf": token, "last_name": "Huber-Lang"})
    assert edit.status_code == 303
    assert stored(web_app, mid).text != shown
    response = client.post(
        f"/messages/{mid}/approve", data={"csrf": token, "note": "", "seen": seen_on(page)}
    )
    assert response.status_code == 303 and response.headers["location"] == f"/messages/{mid}"
    assert message_status(web_app, mid)[0] == "pending"
    assert any("changed after you opened it" in f and "nothing was approved" in f
               for f in flashes(client, response.headers["location"]))  # fmt: skip
    # The fresh page shows the new words; approving those works.
    fresh = client.get(f"/messages/{mid}").text
    assert "Huber-Lang" in fresh
    again = client.post(f"/messages/{mid}/approve", data={"csrf": token, "note": "", "seen": seen_on(fresh)})
    assert again.headers["location"] == "/queue"
    row = stored(web_app, mid)
    assert row.status == "approved" and "Huber-Lang" in row.text


def test_approval_of_the_unchanged_page_goes_through(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    mid = add_message(web_app, add_contact(web_app, first_name="Maria", last_name="Huber"))
    page = client.get(f"/messages/{mid}").text
    note = "Schön, dass wir uns in Hannover gesehen haben."
    response = client.post(
        f"/messages/{mid}/approve", data={"csrf": token, "note": note, "seen": seen_on(page)}
    )
    assert response.headers["location"] == "/queue", flashes(client, response.headers["location"])
    row = stored(web_app, mid)
    assert row.status == "approved" and note in row.text
    with web_app.factory() as session:
        log = session.query(MessageLog).filter(MessageLog.message_id == mid).all()
    assert [(e.from_status, e.to_status, e.actor) for e in log][-1] == ("pending", "approved", "web")


def test_bulk_approval_skips_messages_changed_since_the_list_was_loaded(
    logged_in: Client, web_app: Any
) -> None:
    client, token = logged_in
    changed_contact = add_contact(web_app, first_name="Maria", last_name="Huber")
    same_contact = add_contact(web_app, first_name="Lena", last_name="Vogel")
    changed = add_message(web_app, changed_contact, send_at=NOW + timedelta(days=1))
    same = add_message(web_app, same_contact, send_at=NOW + timedelta(days=2))
    listed = client.get("/queue").text
    client.post(f"/contacts/{changed_contact}/edit", data={"csrf": token, "last_name": "Huber-Lang"})
    form = {"csrf": token, "id": [str(changed), str(same)], "back": "status=pending",
            f"seen-{changed}": seen_on(listed, f"seen-{changed}"), f"seen-{same}": seen_on(listed, f"seen-{same}")}  # fmt: skip
    response = client.post("/queue/approve", data=form)
    assert response.status_code == 303
    assert message_status(web_app, same)[0] == "approved"
    assert message_status(web_app, changed)[0] == "pending"
    notes = flashes(client, response.headers["location"])
    assert "Approved 1 of 2 message(s)." in notes
    assert any(f"message {changed} changed after you opened it" in n for n in notes)


def test_no_approve_button_for_a_message_that_cannot_be_approved(logged_in: Client, web_app: Any) -> None:
    client, token = logged_in
    cid = add_contact(web_app)
    review = add_message(web_app, cid, status="review", reason="no gender known")
    uncertain = add_message(
        web_app, cid, status="review", reason="delivery uncertain: the relay did not answer"
    )
    past = add_message(web_app, cid, expires_at=NOW - timedelta(hours=1))
    for mid in (review, past):
        page = client.get(f"/messages/{mid}").text
        assert f'action="/messages/{mid}/approve"' not in page, mid
        assert f'action="/messages/{mid}/reject"' in page, mid
    assert f'action="/messages/{uncertain}/approve"' in client.get(f"/messages/{uncertain}").text
    # Posting anyway still refuses, and the message stays where it was.
    response = client.post(f"/messages/{review}/approve", data={"csrf": token})
    assert response.headers["location"] == f"/messages/{review}"
    assert message_status(web_app, review)[0] == "review"


def test_a_form_sent_after_the_session_ended_says_so_and_leads_back(client: TestClient, web_app: Any) -> None:
    mid = add_message(web_app, add_contact(web_app))
    page = f"http://testserver/messages/{mid}"
    response = client.post(f"/messages/{mid}/reject", data={"csrf": "old", "reason": "too soon"},
                           headers={"Referer": page})  # fmt: skip
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "nothing was changed" in response.text
    assert f'href="/login?next=%2Fmessages%2F{mid}"' in response.text
    assert message_status(web_app, mid)[0] == "pending"
    # A referer from elsewhere is not followed.
    foreign = client.post(
        f"/messages/{mid}/reject", data={"reason": "x"}, headers={"Referer": "https://evil.example/x"}
    )
    assert 'href="/login?next=%2Fqueue"' in foreign.text


def test_send_time_names_whose_clock_it_is(logged_in: Client, web_app: Any) -> None:
    client, _ = logged_in
    abroad = add_contact(web_app, timezone="America/New_York")
    mid = add_message(web_app, abroad, send_at=NOW + timedelta(days=3))  # 2026-11-26 09:00 UTC
    page = client.get(f"/messages/{mid}").text
    assert "goes out 2026-11-26 04:00 EST (the contact's time; 2026-11-26 10:00 CET here)." in page
    home = add_message(web_app, add_contact(web_app), send_at=NOW + timedelta(days=3))
    assert "goes out 2026-11-26 10:00 CET (the contact's time)." in client.get(f"/messages/{home}").text


def queue_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)]


def test_search_for_a_percent_sign_finds_only_names_with_one(logged_in: Client, web_app: Any) -> None:
    client, _ = logged_in
    plain = add_message(web_app, add_contact(web_app, company="Beispiel AG"))
    percent = add_message(web_app, add_contact(web_app, company="100% Bio GmbH"))
    assert queue_ids(client.get("/queue", params={"q": "%"}).text) == [percent] != [plain]
    assert queue_ids(client.get("/queue", params={"q": "_"}).text) == []


def test_search_ignores_the_case_of_umlauts(logged_in: Client, web_app: Any, db_url: str) -> None:
    client, _ = logged_in
    mid = add_message(web_app, add_contact(web_app, last_name="ÖZDEMIR", company="Ärztekammer"))
    found = {
        q: queue_ids(client.get("/queue", params={"q": q}).text)
        for q in ("özdemir", "Özdemir", "ärztekammer")
    }
    assert found == dict.fromkeys(found, [mid])
