"""Opting out a contact whose message the sender holds right now says so, instead of "0 cancelled" alone."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from .conftest import SAMPLE


def test_unsubscribe_tells_of_a_message_being_sent(nurture) -> None:
    nurture("import", str(SAMPLE))
    nurture("plan")
    msg = next(m for m in nurture.json("queue") if m["email"] == "anna.mueller@example.de")
    engine = create_engine(nurture.env["NURTURE_DATABASE__URL"])
    with engine.begin() as conn:  # a sender has claimed it and is talking to the relay
        conn.execute(text("UPDATE messages SET status = 'sending', claimed_by = 'w1' WHERE id = :id"), {"id": msg["id"]})
    engine.dispose()
    told = nurture("unsubscribe", "anna.mueller@example.de").stdout
    assert "1 message(s) to anna.mueller@example.de are with the sender right now" in told
    quiet = nurture("unsubscribe", "thomas.schneider@example.de").stdout
    assert "with the sender" not in quiet and "unsubscribed;" in quiet
