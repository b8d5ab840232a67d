"""The dashboard: the contact plan of the next three months and coverage per tier, at a glance."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Message
from nurture.entrypoints.app import App
from nurture.entrypoints.web.charts import TierCoverage, coverage_bars, heat_map
from nurture.entrypoints.web.site import site
from nurture.usecases.reports import coverage

PLAN_STATUSES = ("planned", "pending", "approved", "review", "blocked", "sent")
PLAN_DAYS = 92
NEGLECTED_SHOWN = 20


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def dashboard_page(app: App) -> dict[str, Any]:
    now = app.now()
    zone = ZoneInfo(app.settings.general.timezone)
    start = now.astimezone(zone).date()
    end = add_months(start, 3) - timedelta(days=1)
    with app.factory() as session:
        send_times = session.scalars(
            select(Message.send_at).where(
                Message.status.in_(PLAN_STATUSES),
                Message.send_at >= now - timedelta(days=1),
                Message.send_at < now + timedelta(days=PLAN_DAYS + 2),
            )
        )
        per_day = Counter(at.astimezone(zone).date() for at in send_times)
        rows = coverage(session, now, app.rules.cadence)
        counts = MessageStore(session).counts()
    tiers: dict[str, list[int]] = {}
    for r in rows:
        t = tiers.setdefault(r.tier, [0, 0, 0])
        t[0] += 1
        t[1] += r.done + r.planned
        t[2] += r.target
    bars = [TierCoverage(tier, n, touches, target) for tier, (n, touches, target) in sorted(tiers.items())]
    neglected = sorted((r for r in rows if r.neglected), key=lambda r: (r.tier, r.done + r.planned - r.target))
    planned = sum(n for d, n in per_day.items() if start <= d <= end)
    return {
        "heatmap": heat_map(per_day, start, end), "bars": coverage_bars(bars, "touches done (last 90 days) and planned (next 90 days) against target"), "tiers": bars,
        "start": start, "end": end, "planned": planned, "counts": counts,
        "neglected": neglected[:NEGLECTED_SHOWN], "neglected_total": len(neglected),
    }  # fmt: skip


async def dashboard(request: Request) -> Response:
    s = site(request)
    data = await run_in_threadpool(dashboard_page, s.app)
    return s.pages.render(request, "dashboard.html", data)


routes = [Route("/dashboard", dashboard, methods=["GET"])]
