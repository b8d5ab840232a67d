"""The queue page stays fast with 10,000 messages waiting."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import insert
from starlette.testclient import TestClient
from web_support import NOW, add_contact, message_values

from nurture.adapters.db.tables import Message

COUNT = 10_000


def test_queue_pages_through_ten_thousand_messages(logged_in: tuple[TestClient, str], web_app: Any) -> None:
    client, _ = logged_in
    contacts = [add_contact(web_app, tier="ABC"[i % 3], company=f"Firma {i}") for i in range(20)]
    rows = [message_values(contacts[i % 20], send_at=NOW + timedelta(minutes=i)) for i in range(COUNT)]
    with web_app.factory() as session, session.begin():
        session.execute(insert(Message), rows)
    client.get("/queue")  # warm up templates and connections
    timings = {}
    for path in ("/queue", "/queue?page=100", "/queue?page=200", "/queue?tier=B&page=20", "/queue?q=firma%201"):
        start = time.perf_counter()
        response = client.get(path)
        timings[path] = time.perf_counter() - start
        assert response.status_code == 200
        assert len(re.findall(r'<tr data-id="', response.text)) == 50, path
    assert "page 100 of 200" in client.get("/queue?page=100").text
    last = client.get("/queue?page=9999").text  # past the end: the last page
    assert "page 200 of 200" in last
    assert f"{COUNT} message(s)" in last
    print({k: round(v * 1000) for k, v in timings.items()})
    assert max(timings.values()) < 1.5, timings
