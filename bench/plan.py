"""Plan for 1,000,000 generated contacts: a full 14-day plan from scratch, then an hourly re-plan.

Realistic spread: birthdays over the year (some without a year), tiers A/B/C 10/25/65 %,
time zones over five countries, last touches over the past year, 20 % with a recent event.
Usage: python bench/plan.py [--contacts N] [--db sqlite|postgres] [--json]
Below 1,000,000 contacts the cost per contact is also scaled up to 1,000,000 (linearly).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common import (
    drop_postgres,
    emit,
    fresh_postgres,
    make_app,
    peak_rss_mb,
    postgres_base,
    progress,
    reset_peak_rss,
    rss_mb,
    scratch_dir,
    window_peak_rss_mb,
)

ZONES = [("de", "DE", "Europe/Berlin"), ("de", "AT", "Europe/Vienna"), ("de", "CH", "Europe/Zurich"),
         ("en", "GB", "Europe/London"), ("en", "US", "America/Los_Angeles"), ("en", "NZ", "Pacific/Auckland")]  # fmt: skip
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
# Real names: a last name with digits cannot be addressed, so its messages would skip rendering.
FIRST = {"female": ["Anna", "Lea", "Marie", "Sophie", "Emma"], "male": ["Jonas", "Paul", "Felix", "Lukas", "Noah"],
         None: ["Kim", "Alex", "Robin"]}  # fmt: skip
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz",
        "von Stein", "O'Neill", "Şahin", "Smith", "Jones", "van der Berg"]  # fmt: skip
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
        gender = rng.choice(["female", "male", None])
        batch.append(dict(
            id=i, email=f"p{i}@example{i % 113}.com", first_name=rng.choice(FIRST[gender]), last_name=rng.choice(LAST),
            gender=gender, title=rng.choice([None, None, None, "Dr."]), language=lang, country=country,
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


def run(db: str, contacts: int) -> dict[str, Any]:
    from nurture.clock import FixedClock
    from nurture.usecases.compose_workers import worker_count

    work = scratch_dir()
    url = fresh_postgres(postgres_base(), "nurture_bench_plan") if db == "postgres" else \
        f"sqlite:///{work / 'bench.db'}"  # fmt: skip
    app = make_app(url, NOW.isoformat())
    try:
        progress(f"plan[{db}]: generating {contacts} contacts")
        t0 = time.perf_counter()
        populate(app, contacts)
        generated = time.perf_counter() - t0
        # Generating the contacts is not planning: the memory goal is judged on the planning runs alone.
        windowed = reset_peak_rss()
        rss_at_start = rss_mb()  # memory the generator left resident (freed, not returned to the OS)
        progress(f"plan[{db}]: full plan")
        started = time.perf_counter()
        step = max(10_000, contacts // 10)
        shown = [0]

        def report(done: int) -> None:
            if done - shown[0] >= step:
                shown[0] = done
                progress(f"plan[{db}]:   {done} contacts planned, {time.perf_counter() - started:.1f} s")

        full = app.planner().run(NOW, report)
        workers = worker_count(full.composed)
        full_s = time.perf_counter() - started
        progress(f"plan[{db}]: hourly re-plan")
        app.clock = FixedClock(NOW + timedelta(hours=1))
        started = time.perf_counter()
        again = app.planner().run(NOW + timedelta(hours=1))
        replan_s = time.perf_counter() - started
        plan_peak = window_peak_rss_mb()
    finally:
        app.engine.dispose()
        if db == "postgres":
            drop_postgres(url)
        shutil.rmtree(work, ignore_errors=True)
    return {"bench": "plan", "db": db, "contacts": contacts, "generate_s": round(generated, 2),
            "full_plan_s": round(full_s, 2), "planned": full.planned, "checked": full.contacts,
            "composed": full.composed, "recomposed": again.composed,
            "compose_ahead": f"{app.settings.schedule.compose_ahead.days}d",
            "full_ms_per_contact": round(full_s * 1000 / max(contacts, 1), 3),
            "full_s_at_1m": round(full_s * 1_000_000 / max(contacts, 1), 1),
            "replan_s_at_1m": round(replan_s * 1_000_000 / max(contacts, 1), 1),
            "by_status": full.by_status, "replan_s": round(replan_s, 2), "replan_checked": again.contacts,
            "replanned": again.planned, "peak_mb": round(plan_peak, 1), "peak_mb_windowed": windowed,
            "rss_at_plan_start_mb": round(rss_at_start, 1),
            "process_peak_mb": round(peak_rss_mb(), 1), "compose_workers": workers,
            "worker_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    r = run(args.db, args.contacts)
    emit(r, args.json, [
        f"plan, {args.db}, {r['contacts']} contacts (generated in {r['generate_s']:.1f} s):",
        f"  full 14-day plan  {r['full_plan_s']:8.2f} s, {r['planned']} messages {r['by_status']} "
        f"({r['composed']} due within {r['compose_ahead']} written)",
        f"  per contact       {r['full_ms_per_contact']:8.3f} ms (at 1,000,000 contacts: full plan about "
        f"{r['full_s_at_1m']:.0f} s, hourly re-plan about {r['replan_s_at_1m']:.0f} s)",
        f"  hourly re-plan    {r['replan_s']:8.2f} s, {r['replan_checked']} contacts checked, "
        f"{r['replanned']} new messages, {r['recomposed']} written",
        f"  peak memory       {r['peak_mb']:8.1f} MB while planning"
        f"{'' if r['peak_mb_windowed'] else ' (whole process: no peak reset here)'} "
        f"(resident at its start: {r['rss_at_plan_start_mb']:.1f} MB), "
        f"{r['process_peak_mb']:.1f} MB with generating the contacts",
        f"  composing         {r['compose_workers']} worker process(es)" + (
            f", each at most {r['worker_peak_mb']:.1f} MB: all together at most "
            f"{r['peak_mb'] + r['compose_workers'] * r['worker_peak_mb']:.1f} MB" if r['compose_workers'] > 1 else
            " (in the planning process)"),
    ])  # fmt: skip
