"""Row claiming: concurrent claimers get disjoint rows (FOR UPDATE SKIP LOCKED on PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Message, MessageLog
from nurture.errors import InvalidTransition

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def seed(factory, n: int) -> list[int]:
    ids = []
    with factory() as session, session.begin():
        c = ContactStore(session).add(dict(email="x@example.com", first_name="X", last_name="Y", language="en",
                                           country="GB", formality="formal", tier="C", timezone="UTC",
                                           consent="opt_in", source="t"), NOW, "t")  # fmt: skip
        for i in range(n):
            m = Message(key=f"k{i}", contact_id=c.id, occasion="content_drop", occasion_date=NOW.date(),
                        status="approved", send_at=NOW, language="en", subject="s", text="t", attempts=0,
                        created_at=NOW, updated_at=NOW)  # fmt: skip
            session.add(m)
            session.flush()
            ids.append(m.id)
    return ids


def test_concurrent_claims_are_disjoint(factory):
    ids = seed(factory, 200)
    claimed: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        barrier.wait()
        got: list[int] = []
        while True:
            with factory() as session, session.begin():
                batch = MessageStore(session).claim_due(NOW, name, timedelta(minutes=5), 7)
            if not batch:
                break
            got += batch
        claimed[name] = got

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [m for got in claimed.values() for m in got]
    assert sorted(everything) == sorted(ids)
    assert len(everything) == len(set(everything))


def test_finish_is_fenced_by_the_claim(factory):
    [mid] = seed(factory, 1)
    with factory() as session, session.begin():
        assert MessageStore(session).claim_due(NOW, "w1", timedelta(minutes=1), 5) == [mid]
    with factory() as session, session.begin():
        assert MessageStore(session).finish(mid, "w2", "sent", NOW) is False
        assert MessageStore(session).finish(mid, "w1", "sent", NOW) is True
    with factory() as session:
        log = session.scalars(select(MessageLog.to_status).where(MessageLog.message_id == mid)).all()
    assert log == ["sending", "sent"]


def test_status_change_is_conditional(factory):
    [mid] = seed(factory, 1)
    with factory() as session, session.begin():
        store = MessageStore(session)
        store.move(store.get(mid), "rejected", "t", NOW, reason="no")
    with pytest.raises(InvalidTransition), factory() as session, session.begin():
        store = MessageStore(session)
        store.move(store.get(mid), "approved", "t", NOW)


def test_giving_back_handed_claims_keeps_only_bytes_an_earlier_attempt_stored(factory):
    earlier, fresh = seed(factory, 2)
    with factory() as session, session.begin():
        session.get(Message, earlier).raw = b"sent once before"
    with factory() as session, session.begin():
        store = MessageStore(session)
        assert sorted(store.claim_due(NOW, "w1", timedelta(minutes=5), 5)) == [earlier, fresh]
        store.hand_over_claimed([(earlier, None), (fresh, b"built now")], "w1", NOW, timedelta(minutes=5))
    with factory() as session, session.begin():
        assert MessageStore(session).release_handed([earlier, fresh], "w2", NOW, "x", forget_raw=[fresh]) == []
        given = MessageStore(session).release_handed([earlier, fresh], "w1", NOW, "x", forget_raw=[fresh])
    assert sorted(given) == [earlier, fresh]
    with factory() as session:
        rows = {m.id: m for m in session.scalars(select(Message))}
    assert (rows[earlier].status, rows[earlier].raw, rows[earlier].handed_at) == ("approved", b"sent once before", None)
    assert (rows[fresh].status, rows[fresh].raw, rows[fresh].attempts) == ("approved", None, 0)
