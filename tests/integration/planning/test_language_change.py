"""A contact whose language changes after its content drop was chosen never gets an item in the old language.

The drop was planned with a German checklist; the contact was then corrected to English (an
edit, a re-import), and the message was written as an English mail sharing a German item.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.tables import Message

from .test_plan_db import NOW, add, make_app


def drops(app, cid: int) -> list[Message]:
    with app.factory() as session:
        return list(session.scalars(select(Message).where(Message.contact_id == cid,
                                                          Message.occasion == "content_drop")))  # fmt: skip


def switch_to_english(app, cid: int) -> dict[str, int]:
    with app.factory() as session, session.begin():
        store = ContactStore(session)
        store.update(store.row(cid), {"language": "en", "country": "GB"}, NOW, "t")
        session.flush()
        return app.desk().recompose_contacts(session, [cid], "t")


def test_a_written_drop_is_blocked_with_the_reason_when_the_language_changes(db_url):
    app = make_app(db_url)
    cid = add(app, "lang@example.de", last_touch_at=None)
    with app.factory() as session, session.begin():
        ContactStore(session).row(cid).last_touch_at = NOW - timedelta(days=22)  # due today: written at once
    app.planner().run(NOW)
    (drop,) = drops(app, cid)
    assert drop.status == "pending"
    german = {item.id for item in app.library if item.language == "de"}
    assert drop.content_id in german
    assert switch_to_english(app, cid) == {"blocked": 1}
    (drop,) = drops(app, cid)
    assert drop.status == "blocked" and "is in 'de', but the contact reads 'en' now" in drop.reason
    assert drop.text == ""  # no English mail around a German item


def test_a_planned_drop_is_taken_back_and_planned_again_in_the_new_language(db_url):
    app = make_app(db_url)
    cid = add(app, "later@example.de")
    with app.factory() as session, session.begin():
        ContactStore(session).row(cid).last_touch_at = NOW - timedelta(days=14)  # due in a week: planned, no words
    app.planner().run(NOW)
    (drop,) = drops(app, cid)
    assert drop.status == "planned" and drop.content_id in {i.id for i in app.library if i.language == "de"}
    switch_to_english(app, cid)
    later = NOW + timedelta(days=5)  # the drop comes within compose_ahead: its words are written now
    app.planner().run(later)
    found = drops(app, cid)
    english = {i.id for i in app.library if i.language == "en"}
    assert [d.content_id in english for d in found] == [True], [(d.content_id, d.status) for d in found]
    assert found[0].status == "pending" and found[0].text.startswith("Dear ")
