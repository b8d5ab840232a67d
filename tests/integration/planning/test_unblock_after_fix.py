"""A blocked message is freed by fixing its cause: the hint says "change the template", so doing
that must work. Blocked messages stayed blocked with the old reason after the template, the
content item or the guard's phrases were fixed; only editing each contact wrote them again."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from nurture.adapters.db.engine import upgrade
from nurture.adapters.db.tables import Message, MessageLog
from nurture.clock import FixedClock
from nurture.entrypoints.app import App
from nurture.settings import load_settings
from nurture.usecases.approval import approval_refusal

from .test_plan_db import NOW, ROOT, add

BIRTHDAY = "templates/de/birthday"


def make_app(db_url: str, templates: Path, now=NOW) -> App:
    settings = load_settings(ROOT / "config" / "nurture.toml", environ={
        "NURTURE_DATABASE__URL": db_url, "NURTURE_SECRET_KEY": "k" * 32, "NURTURE_PATHS__TEMPLATES": str(templates),
    })  # fmt: skip
    app = App(settings, FixedClock(now))
    upgrade(app.engine)
    return app


def copy_templates(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", target)
    return target


def spoil(templates: Path, occasion: str, line: str) -> dict[Path, str]:
    """Put `line` on top of every German text wording of `occasion`; returns the originals."""
    originals = {}
    for path in sorted((templates / "de" / occasion).glob("*.txt.j2")):
        originals[path] = path.read_text(encoding="utf-8")
        path.write_text(line + "\n" + originals[path], encoding="utf-8")
    return originals


def restore(originals: dict[Path, str]) -> None:
    for path, text in originals.items():
        path.write_text(text, encoding="utf-8")


def birthday_tomorrow(app: App) -> int:
    tomorrow = (NOW + timedelta(days=1)).date()
    return add(app, "geburtstag@example.de", tier="C", birthday=date(1980, tomorrow.month, tomorrow.day).isoformat())


def greeting(app: App, cid: int) -> Message:
    with app.factory() as session:
        return session.scalars(select(Message).where(Message.contact_id == cid, Message.occasion == "birthday")).one()


def log_of(app: App, mid: int) -> list[tuple[str, str, str | None]]:
    with app.factory() as session:
        rows = session.execute(select(MessageLog.from_status, MessageLog.to_status, MessageLog.note)
                               .where(MessageLog.message_id == mid).order_by(MessageLog.id))  # fmt: skip
        return [tuple(r) for r in rows]


def blocked_greeting(db_url: str, tmp_path: Path, line: str) -> tuple[Path, dict[Path, str], int, Message]:
    """A birthday greeting for tomorrow, planned with `line` on top of its German wordings."""
    templates = copy_templates(tmp_path)
    originals = spoil(templates, "birthday", line)
    app = make_app(db_url, templates)
    cid = birthday_tomorrow(app)
    app.planner().run(NOW)
    return templates, originals, cid, greeting(app, cid)


def test_a_template_typo_fixed_frees_its_blocked_greeting_on_the_next_plan(db_url, tmp_path):
    templates, originals, cid, held = blocked_greeting(db_url, tmp_path, "{{ salutation(( }}")
    assert held.status == "blocked" and held.reason.startswith("template:"), held.reason
    refusal = approval_refusal(held, NOW)
    assert refusal is not None and "next planning run" in refusal

    restore(originals)
    fixed = make_app(db_url, templates, NOW + timedelta(hours=1))
    summary = fixed.planner().run(NOW + timedelta(hours=1))
    assert summary.unblocked == {"pending": 1}
    freed = greeting(fixed, cid)
    assert freed.status == "pending" and freed.reason is None
    assert freed.text.startswith("Sehr geehrte Frau Roth"), freed.text
    assert log_of(fixed, freed.id)[-1] == ("blocked", "pending", "written again: what blocked it was changed")
    # Approvable now, by the same desk the hint pointed away from.
    [done] = fixed.desk().approve([freed.id], "jana")
    assert done.ok, done.text


def test_an_unchanged_cause_writes_nothing_and_a_new_one_replaces_the_reason(db_url, tmp_path):
    templates, originals, cid, first = blocked_greeting(db_url, tmp_path, "{{ salutation(( }}")
    app = make_app(db_url, templates)
    entries = log_of(app, first.id)
    # Planning again with the cause unchanged: no write, no audit entry, the same reason.
    again = make_app(db_url, templates, NOW + timedelta(hours=1)).planner().run(NOW + timedelta(hours=1))
    assert again.unblocked == {}
    assert log_of(app, first.id) == entries
    assert greeting(app, cid).reason == first.reason and greeting(app, cid).updated_at == first.updated_at

    # A different mistake: still blocked, and the reason says what is wrong now.
    for path in (templates / "de" / "birthday").glob("*.txt.j2"):
        text = path.read_text(encoding="utf-8").replace("{{ salutation(( }}", "{{ no_such_variable }}")
        path.write_text(text, encoding="utf-8")
    make_app(db_url, templates, NOW + timedelta(hours=2)).planner().run(NOW + timedelta(hours=2))
    now_held = greeting(app, cid)
    assert now_held.status == "blocked" and "no_such_variable" in now_held.reason, now_held.reason


def test_an_offer_taken_out_of_the_template_frees_the_message(db_url, tmp_path):
    templates, originals, cid, held = blocked_greeting(db_url, tmp_path, "Nur heute: 20 % Rabatt auf alle Seminare!")
    app = make_app(db_url, templates)
    assert held.status == "blocked" and "Rabatt" in held.reason, held.reason
    restore(originals)
    make_app(db_url, templates, NOW + timedelta(hours=1)).planner().run(NOW + timedelta(hours=1))
    freed = greeting(app, cid)
    assert freed.status == "pending" and "Rabatt" not in freed.text


def test_a_content_item_put_back_frees_the_drop_planned_with_it(db_url, tmp_path):
    templates = copy_templates(tmp_path)
    app = make_app(db_url, templates)
    cid = add(app, "drop@example.de")
    app.planner().run(NOW)
    with app.factory() as session:
        drop = session.scalars(select(Message).where(Message.contact_id == cid)).one()
    assert drop.occasion == "content_drop" and drop.status == "pending", (drop.occasion, drop.status)
    item = drop.content_id
    # The item gets a typo (it is left out of the library) and the drop is written again meanwhile
    # (someone corrected the contact): blocked, with the reason.
    broken = make_app(db_url, templates, NOW + timedelta(hours=1))
    broken._library = [i for i in app.library if i.id != item]
    with broken.factory() as session, session.begin():
        broken.desk().recompose_contact(session, cid, "jana")
    with broken.factory() as session:
        held = session.get(Message, drop.id)
    assert held.status == "blocked" and item in held.reason and "nurture check" in held.reason
    # Fixed: the next plan run writes it again with its item.
    fixed = make_app(db_url, templates, NOW + timedelta(hours=2))
    summary = fixed.planner().run(NOW + timedelta(hours=2))
    assert summary.unblocked == {"pending": 1}
    with fixed.factory() as session:
        freed = session.get(Message, drop.id)
    assert freed.status == "pending" and freed.content_id == item and freed.text


def test_a_blocked_greeting_whose_day_has_passed_is_not_brought_back(db_url, tmp_path):
    templates, originals, cid, held = blocked_greeting(db_url, tmp_path, "{{ salutation(( }}")
    app = make_app(db_url, templates)
    assert held.status == "blocked" and held.expires_at is not None
    restore(originals)
    late = held.expires_at + timedelta(hours=1)
    make_app(db_url, templates, late).planner().run(late)
    after = greeting(app, cid)
    assert after.status != "pending" and after.status in ("blocked", "expired"), after.status
