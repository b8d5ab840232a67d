"""Plan for 1,000,000 generated contacts: a full 14-day plan from scratch, then an hourly re-plan.

Realistic spread: birthdays over the year (some without a year), tiers A/B/C 10/25/65 %,
time zones over five countries, last touches over the past year, 20 % with a recent event.
Usage: python bench/plan.py [--contacts N] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from datetime import UTC, date, datetime, timedelta

from common import fresh_postgres, make_app, peak_rss_mb, scratch_dir

ZONES = [("de", "DE", "Europe/Berlin"), ("de", "AT", "Europe/Vienna"), ("de", "CH", "Europe/Zurich"),
         ("en", "GB", "Europe/London"), ("en", "US", "America/Los_Angeles"), ("en", "NZ", "Pacific/Auckland")]  # fmt: skip
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TOPICS = ["marketing", "sales", "leadership", "it-security", "hr", "finance", "sustainability", "data"]


def populate(app, contacts: int, seed: int = 11) -> None:
    from sqlalchemy import insert

    from nurture.adapters.db.tables import Contact, Event

    rng = random.Random(seed)
    batch: list[dict] = []
    events: list[dict] = []
    created = NOW - timedelta(days=400)

    def flush() -> None:
        with app.engine.begin() as conn:
            if batch:
                conn.execute(insert(Contact), batch)
            if events:
                conn.execute(insert(Event), events)
        batch.clear()
        events.clear()

    for i in range(1, contacts + 1):
        lang, country, tz = rng.choice(ZONES)
        bday = date(1904, 1, 1) + timedelta(days=rng.randrange(366))
        year = rng.randint(1955, 2000)
        birthday = f"--{bday:%m-%d}" if rng.random() < 0.1 or (bday.month, bday.day) == (2, 29) else \
            f"{year}-{bday:%m-%d}"  # fmt: skip
        started = date(rng.randint(2000, 2025), bday.month, min(bday.day, 28)) if rng.random() < 0.5 else None
        touched = NOW - timedelta(days=rng.randrange(365), hours=rng.randrange(24))
        batch.append(dict(
            id=i, email=f"p{i}@example{i % 113}.com", first_name="Anna", last_name=f"Muster{i}",
            gender=rng.choice(["female", "male", None]), title=None, language=lang, country=country,
            formality=rng.choice(["formal", "informal"]), tier=rng.choices("ABC", (10, 25, 65))[0], timezone=tz,
            birthday=birthday, birthday_md=bday.month * 100 + bday.day, company=f"Firma {i % 20000}",
            position="Leitung", started_on=started, started_md=(started.month * 100 + started.day) if started else None,
            topics=";".join(rng.sample(TOPICS, 2)), consent="opt_in", consent_source="bench",
            unsubscribed=False, bounced=False, source="bench", needs_review=False, last_touch_at=touched,
            created_at=created, updated_at=created,
        ))  # fmt: skip
        if rng.random() < 0.2:
            learned = NOW - timedelta(days=rng.randrange(60))
            events.append(dict(contact_id=i, kind=rng.choice(["job_change", "promotion", "publication", "achievement"]),
                               date=learned.date(), details={}, source="bench", learned_at=learned))  # fmt: skip
        if len(batch) >= 20_000:
            flush()
    flush()
    if app.engine.dialect.name == "postgresql":
        with app.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('contacts_id_seq', (SELECT max(id) FROM contacts))")
            conn.exec_driver_sql("ANALYZE")


def run(db: str, contacts: int) -> dict[str, float]:
    from nurture.clock import FixedClock

    work = scratch_dir()
    if db == "postgres":
        url = fresh_postgres(os.environ.get("NURTURE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1/test"),
                             "nurture_bench_plan")  # fmt: skip
    else:
        url = f"sqlite:///{work / 'bench.db'}"
    app = make_app(url, NOW.isoformat())
    t0 = time.perf_counter()
    populate(app, contacts)
    generated = time.perf_counter() - t0
    started = time.perf_counter()
    full = app.planner().run(NOW)
    full_s = time.perf_counter() - started
    app.clock = FixedClock(NOW + timedelta(hours=1))
    started = time.perf_counter()
    again = app.planner().run(NOW + timedelta(hours=1))
    replan_s = time.perf_counter() - started
    return {"contacts": contacts, "generate_s": generated, "full_plan_s": full_s, "planned": full.planned,
            "replan_s": replan_s, "replanned": again.planned, "peak_mb": peak_rss_mb()}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    result = run(args.db, args.contacts)
    print(json.dumps({"bench": "plan", "db": args.db, **{k: round(v, 2) for k, v in result.items()}}))
