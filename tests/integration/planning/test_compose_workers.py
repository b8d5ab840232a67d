"""Words written in worker processes are the words written here, and nothing is lost on the way."""

from __future__ import annotations

import os
import pickle
from dataclasses import replace
from datetime import timedelta
from multiprocessing import parent_process

from sqlalchemy import func, select

from nurture.adapters.db.tables import Contact, Message, MessageLog
from nurture.rendering.render import TemplateRenderer
from nurture.usecases.compose import Composer
from nurture.usecases.compose_planned import PlannedComposer

from .test_plan_db import NOW, add, make_app

NAMES = ["Roth", "Weiß", "von Stein", "Şahin", "Müller", "O'Neill"]


def populate(app, n: int = 12) -> None:
    for i in range(n):
        german = i % 3 != 2
        add(app, f"p{i}@example.de", last_name=NAMES[i % len(NAMES)], gender=("female", "male", None)[i % 3],
            language="de" if german else "en", country=("DE", "AT", "GB")[i % 3],
            birthday=f"1980-11-{24 + i % 3:02d}", tier="ABC"[i % 3])  # fmt: skip


def decide_only(app) -> None:
    """Plan without writing any words (nothing is due by now), so that the test composes them."""
    replace(app.planner(), compose_ahead=timedelta(0)).run(NOW)
    with app.factory() as session:
        assert set(session.scalars(select(Message.status))) == {"planned"}


def words(app) -> list[tuple]:
    with app.factory() as session:
        rows = session.execute(
            select(Message.key, Message.status, Message.reason, Message.subject, Message.text, Message.html,
                   Message.template).order_by(Message.key)  # fmt: skip
        )
        return [tuple(r) for r in rows]


def compose_all(app, workers: int, composer: Composer | None = None, **kw) -> int:
    until = NOW.replace(year=NOW.year + 1)
    planned = PlannedComposer(app.factory, composer or app.composer, app.library, workers=workers, **kw)
    return planned.run(NOW, until).composed


def test_a_composer_travels_to_a_worker_and_writes_the_same(db_url):
    app = make_app(db_url)
    populate(app, 3)
    decide_only(app)
    copy = pickle.loads(pickle.dumps(app.composer))
    assert isinstance(copy.renderer, TemplateRenderer) and copy.renderer is not app.composer.renderer
    planned = PlannedComposer(app.factory, app.composer, app.library)
    with app.factory() as session:
        ids = list(session.scalars(select(Message.id)))
        batch = planned._read(session, ids, lock=False)
    assert len(batch.jobs) == len(ids) >= 3
    for job in batch.jobs:
        mine, theirs = app.composer.compose(*job), copy.compose(*job)
        assert theirs == mine and mine.status == "pending" and mine.text


def test_worker_processes_write_the_same_words_as_this_process(db_url, tmp_path):
    here = make_app(db_url)
    populate(here)
    decide_only(here)
    done_here = compose_all(here, workers=1)
    assert done_here >= 12  # a birthday greeting each, and content drops

    elsewhere = make_app(f"sqlite:///{tmp_path / 'workers.db'}")
    populate(elsewhere)
    decide_only(elsewhere)
    assert compose_all(elsewhere, workers=2, batch_size=3) == done_here
    written = words(elsewhere)
    assert written == words(here)
    assert {w[1] for w in written} == {"pending"}
    assert all(w[4] and w[5] for w in written)  # text and HTML written
    with elsewhere.factory() as session:
        logged = session.scalar(select(func.count()).select_from(MessageLog).where(MessageLog.note == "composed"))
    assert logged == done_here


def test_a_plan_run_writes_with_workers_while_it_decides_the_same_words_as_without(db_url, tmp_path):
    alone = make_app(db_url)
    populate(alone, 30)
    by_itself = replace(alone.planner(), compose_workers=1, batch_size=4).run(NOW)

    shared = make_app(f"sqlite:///{tmp_path / 'workers.db'}")
    populate(shared, 30)
    with_workers = replace(shared.planner(), compose_workers=2, batch_size=4).run(NOW)
    assert with_workers.as_dict() | {"seconds": 0} == by_itself.as_dict() | {"seconds": 0}
    assert with_workers.composed >= 30 and with_workers.by_status.get("pending", 0) >= 30
    assert words(shared) == words(alone)
    with shared.factory() as session:
        logs = session.scalars(select(MessageLog.message_id).where(MessageLog.note == "composed")).all()
    assert len(logs) == len(set(logs)) == with_workers.composed  # each written once


class DiesInWorker(Composer):
    """Kills the worker process it runs in, as an out-of-memory kill would."""

    def compose(self, *args, **kwargs):  # type: ignore[override]
        if parent_process() is not None:
            os._exit(3)
        return super().compose(*args, **kwargs)


def test_when_a_worker_dies_the_words_are_written_here(db_url, caplog):
    app = make_app(db_url)
    populate(app)
    decide_only(app)
    c = app.composer
    dying = DiesInWorker(c.renderer, c.sender, c.unsubscribe_base, c.secret, c.extra_phrases, c.allow_phrases)
    with caplog.at_level("WARNING", logger="nurture.plan"):
        assert compose_all(app, workers=2, composer=dying, batch_size=4) == len(words(app))
    assert "composing in this process" in caplog.text
    assert {w[1] for w in words(app)} == {"pending"}


def first_of(app, contact_id: int) -> tuple[int, int]:
    """Position (in composing order) and id of a contact's first planned message."""
    with app.factory() as session:
        rows = session.execute(select(Message.id, Message.contact_id).order_by(Message.id)).all()
    return next((i, mid) for i, (mid, cid) in enumerate(rows) if cid == contact_id)


def test_a_contact_edited_while_its_words_were_written_gets_words_from_the_new_details(db_url):
    app = make_app(db_url)
    first = add(app, "a@example.de", birthday="1980-11-24", last_name="Roth")
    second = add(app, "b@example.de", birthday="1980-11-24", last_name="Alt")
    decide_only(app)
    at, _mid = first_of(app, second)
    assert at >= 1

    def edit_second(done: int) -> None:
        # One batch ahead: the second contact's first message is read and composed, not yet recorded.
        if done == at:
            with app.factory() as session, session.begin():
                session.get(Contact, second).last_name = "Neu"

    planned = PlannedComposer(app.factory, app.composer, app.library, batch_size=1, workers=1)
    total = len(words(app))
    assert planned.run(NOW, NOW.replace(year=2027), edit_second).composed == total
    with app.factory() as session:
        texts = session.execute(select(Message.contact_id, Message.text)).all()
    assert all("Frau Roth" in t for c, t in texts if c == first)
    assert all("Frau Neu" in t and "Alt" not in t for c, t in texts if c == second)


def test_a_message_written_elsewhere_meanwhile_is_not_written_again(db_url):
    app = make_app(db_url)
    add(app, "a@example.de", birthday="1980-11-24")
    second = add(app, "b@example.de", birthday="1980-11-24", last_name="Zweit")
    decide_only(app)
    at, mid = first_of(app, second)

    def open_second(done: int) -> None:
        if done == at:
            app.compose_if_planned(mid)  # someone opens it on the approval page

    planned = PlannedComposer(app.factory, app.composer, app.library, batch_size=1, workers=1)
    total = len(words(app))
    assert planned.run(NOW, NOW.replace(year=2027), open_second).composed == total - 1
    with app.factory() as session:
        log = session.scalars(select(MessageLog.to_status).where(MessageLog.message_id == mid)).all()
        assert log == ["pending"]  # written and logged once, by the one who opened it
        assert session.get(Message, mid).status == "pending"


def test_small_runs_compose_here_and_large_ones_in_workers_when_there_are_cores():
    from nurture.usecases import compose_workers as cw

    assert cw.worker_count(10) == 1
    assert cw.worker_count(10, workers=3) == 3
    assert cw.worker_count(10**6, workers=0) == 1
    assert cw.worker_count(cw.POOL_FROM) == (cw.available_cores() if cw.available_cores() > 1 else 1)
