"""Server time of the approval page's queue with 10,000 messages waiting (goal: under 300 ms a page).

The real site (login, session cookie, CSRF, templates) runs in-process behind a Starlette
TestClient; a thin ASGI wrapper times each request from its arrival to the last body byte,
so the figure is the server's time, not the client's. Four pages: the first page, a filtered
page, a search and the last (deepest) page, each requested `--repeat` times after a warm-up.
Usage: python bench/web.py [--pending 10000] [--db sqlite|postgres] [--repeat 15] [--json]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import time
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

from common import (
    drop_postgres,
    emit,
    fresh_postgres,
    make_app,
    postgres_base,
    progress,
    scratch_dir,
    summary,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "bench-web-password"
GOAL_MS = 300.0
OCCASIONS = ["birthday", "content_drop", "reconnect", "job_change", "work_anniversary"]
ZONES = [("de", "DE", "Europe/Berlin"), ("de", "AT", "Europe/Vienna"), ("en", "GB", "Europe/London")]


class ServerTimer:
    """ASGI wrapper: seconds from a request's arrival until its response's last body chunk."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = time.perf_counter() - started

        await self.app(scope, receive, timed_send)


def seed(app: Any, pending: int, contacts: int, other: int) -> None:
    """`pending` messages waiting for approval (plus `other` already sent) over `contacts` people."""
    from sqlalchemy import insert

    from nurture.adapters.db.tables import Contact, Message

    people = []
    for i in range(1, contacts + 1):
        lang, country, tz = ZONES[i % len(ZONES)]
        people.append(dict(
            id=i, email=f"p{i}@example{i % 97}.com", first_name=["Anna", "Jonas", "Lea", "Paul"][i % 4],
            last_name=f"Muster{i}", gender=["female", "male"][i % 2], language=lang, country=country,
            formality="formal", tier="ABCCC"[i % 5], timezone=tz, company=f"Firma {i % 400}", position="Leitung",
            consent="opt_in", consent_source="bench", unsubscribed=False, bounced=False, source="bench",
            needs_review=False, created_at=NOW - timedelta(days=400), updated_at=NOW,
        ))  # fmt: skip
    text = "Sehr geehrte Frau Muster,\n\nich bin auf eine Checkliste gestoßen, die Ihnen nützen könnte.\n\nJana\n"
    rng = random.Random(3)
    rows = []
    for i in range(pending + other):
        status = "pending" if i < pending else "sent"
        at = NOW + timedelta(minutes=7 * i) if status == "pending" else NOW - timedelta(minutes=3 * i)
        rows.append(dict(
            key=f"bench:{i}", contact_id=rng.randint(1, contacts), occasion=rng.choice(OCCASIONS),
            occasion_date=at.date(), status=status, send_at=at, language="de", subject=f"Eine Checkliste {i}",
            text=text, html=f"<p>{text}</p>", attempts=0, created_at=NOW, updated_at=NOW,
        ))  # fmt: skip
    with app.engine.begin() as conn:
        conn.execute(insert(Contact), people)
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Message), rows[start:start + 5000])
    if app.engine.dialect.name == "postgresql":
        with app.engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('contacts_id_seq', (SELECT max(id) FROM contacts))")
            conn.exec_driver_sql("ANALYZE")


def pages_for(pending: int) -> dict[str, str]:
    last = max(1, -(-pending // 50))
    return {
        "first": "/queue",
        "filtered": "/queue?tier=B&occasion=content_drop",
        "search": "/queue?q=firma+12",
        "deep": f"/queue?page={last}",
    }


def login(client: Any) -> None:
    csrf = re.compile(r'name="csrf" value="([^"]+)"')
    page = client.get("/login")
    found = csrf.search(page.text)
    assert found, "no CSRF token on the login page"
    response = client.post("/login", data={"password": PASSWORD, "csrf": found.group(1), "next": "/queue"})
    assert response.status_code == 303, response.status_code


def measure(app: Any, pending: int, repeat: int) -> dict[str, dict[str, Any]]:
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

    from nurture.entrypoints.web.server import create_app

    timer = ServerTimer(create_app(app))
    results: dict[str, dict[str, Any]] = {}
    with TestClient(timer, follow_redirects=False) as client:
        login(client)
        for name, path in pages_for(pending).items():
            for _ in range(2):  # warm-up: templates compiled, connections pooled, caches filled
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            rows = len(re.findall(r'<tr data-id="', response.text))
            server, client_side = [], []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path)
                client_side.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
                server.append(timer.last)
            results[name] = {
                "path": path, "rows": rows,
                "server_ms": {k: round(v * 1000, 1) if k != "runs" else v for k, v in summary(server).items()},
                "client_ms_median": round(statistics.median(client_side) * 1000, 1),
            }  # fmt: skip
    return results


def run(db: str, pending: int, contacts: int, other: int, repeat: int) -> dict[str, Any]:
    work = scratch_dir()
    url = fresh_postgres(postgres_base(), "nurture_bench_web") if db == "postgres" else \
        f"sqlite:///{work / 'web.db'}"  # fmt: skip
    app = make_app(url, NOW.isoformat(), NURTURE_WEB_PASSWORD=PASSWORD)
    try:
        progress(f"web[{db}]: seeding {pending} pending + {other} sent messages over {contacts} contacts")
        seed(app, pending, contacts, other)
        progress(f"web[{db}]: timing {repeat} requests per page")
        pages = measure(app, pending, repeat)
    finally:
        app.engine.dispose()
        if db == "postgres":
            drop_postgres(url)
        shutil.rmtree(work, ignore_errors=True)
    worst = max(p["server_ms"]["median"] for p in pages.values())
    return {"bench": "web", "db": db, "pending": pending, "contacts": contacts, "other": other, "repeat": repeat,
            "pages": pages, "worst_median_ms": worst, "goal_ms": GOAL_MS, "met": worst < GOAL_MS}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=2_000)
    parser.add_argument("--other", type=int, default=5_000, help="sent messages besides the pending ones")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    result = run(args.db, args.pending, args.contacts, args.other, args.repeat)
    lines = [f"queue page, {args.db}, {args.pending} pending, server time over {args.repeat} requests:"]
    for name, page in result["pages"].items():
        ms = page["server_ms"]
        lines.append(f"  {name:9} {page['path']:40} {ms['median']:7.1f} ms median ({ms['min']:.1f}–{ms['max']:.1f}),"
                     f" {page['rows']} rows")  # fmt: skip
    lines.append(f"  goal < {GOAL_MS:.0f} ms: {'met' if result['met'] else 'missed'} "
                 f"(slowest median {result['worst_median_ms']:.1f} ms)")  # fmt: skip
    emit(result, args.json, lines)
