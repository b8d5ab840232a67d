"""The queue: filters, search, pagination and bulk approval of selected messages.

Pages are cut with LIMIT/OFFSET on the (status, send_at) index and counted once, so a
page stays fast with tens of thousands of messages waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nurture.adapters.db.message_store import MessageStore
from nurture.domain.vocabulary import OCCASIONS, STATUSES, TIERS
from nurture.entrypoints.web.outcomes import already_approved, bulk_notes
from nurture.entrypoints.web.pages import plain_name, query
from nurture.entrypoints.web.site import ACTOR, checked_form, int_or, site, text_param
from nurture.usecases.approval import shown_fingerprint

PER_PAGE = 50
MAX_BULK = 500


@dataclass(frozen=True)
class QueueFilter:
    status: str = "pending"
    occasion: str = ""
    tier: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params: Any) -> QueueFilter:
        status = params.get("status") or "pending"
        occasion = params.get("occasion") or ""
        tier = params.get("tier") or ""
        return cls(
            status=status if status in STATUSES or status == "all" else "pending",
            occasion=occasion if occasion in OCCASIONS else "",
            tier=tier if tier in TIERS else "",
            q=text_param(params.get("q"), 100),
            page=max(1, int_or(params.get("page"), 1)),
        )

    def params(self) -> dict[str, Any]:
        return {"status": self.status, "occasion": self.occasion, "tier": self.tier, "q": self.q,
                "page": self.page if self.page > 1 else ""}  # fmt: skip

    @property
    def statuses(self) -> list[str] | None:
        return None if self.status == "all" else [self.status]


@dataclass(frozen=True)
class QueueRow:
    id: int
    status: str
    occasion: str
    send_at: datetime
    timezone: str
    subject: str
    reason: str | None
    contact_id: int
    name: str
    company: str | None
    tier: str
    seen: str


def queue_page(factory: Any, f: QueueFilter) -> dict[str, Any]:
    with factory() as session:
        store = MessageStore(session)
        total = store.count_filtered(f.statuses, occasion=f.occasion or None, tier=f.tier or None,
                                     search=f.q or None)  # fmt: skip
        pages = max(1, -(-total // PER_PAGE))
        page = min(f.page, pages)
        found = store.list(f.statuses, PER_PAGE, (page - 1) * PER_PAGE, occasion=f.occasion or None,
                           tier=f.tier or None, search=f.q or None)  # fmt: skip
        rows = [
            QueueRow(m.id, m.status, m.occasion, m.send_at, c.timezone, m.subject, m.reason, c.id,
                     plain_name(c.first_name, c.last_name, c.email, c.id), c.company, c.tier, shown_fingerprint(m, c))
            for m, c in found
        ]  # fmt: skip
        counts = store.counts()
    return {"rows": rows, "total": total, "page": page, "pages": pages, "counts": counts}


async def queue(request: Request) -> Response:
    s = site(request)
    f = QueueFilter.from_params(request.query_params)
    data = await run_in_threadpool(queue_page, s.app.factory, f)
    return s.pages.render(request, "queue.html", {
        **data, "f": f, "params": f.params(), "statuses": STATUSES, "occasions": OCCASIONS, "tiers": TIERS,
        "select_all": request.query_params.get("select") == "all",
    })  # fmt: skip


async def bulk_approve(request: Request) -> Response:
    s = site(request)
    form = await checked_form(request)
    if form is None:
        return s.pages.refuse(request, "The form had expired or came from another site; reload the page.")
    ids = sorted({int_or(v, 0) for v in form.getlist("id")} - {0})[:MAX_BULK]
    back_params = dict(parse_qsl(str(form.get("back") or "")))
    back = "/queue?" + query(QueueFilter.from_params(back_params).params())
    if not ids:
        return s.pages.redirect(request, back, "Nothing selected.")
    shown = {i: form.get(f"seen-{i}") for i in ids}  # each message approved as the list showed it
    seen = {i: v for i, v in shown.items() if isinstance(v, str) and v}
    results = await run_in_threadpool(s.app.desk().approve, ids, ACTOR, None, seen)
    already = await run_in_threadpool(already_approved, s.app, [r.message_id for r in results if not r.ok])
    return s.pages.redirect(request, back, *bulk_notes(results, already))


routes = [
    Route("/queue", queue, methods=["GET"]),
    Route("/queue/approve", bulk_approve, methods=["POST"]),
]
