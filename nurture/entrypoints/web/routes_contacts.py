"""Contacts: the review list, one contact with its neighbours and timeline, and the fix form.

Saving a fix re-renders the contact's open messages in the same transaction, so a contact
whose salutation can now be formed has its messages move from `review` to `pending` at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.graph_store import GraphStore
from nurture.adapters.db.tables import Contact, Event, Message, Touch
from nurture.domain.addressing import NeedsReview
from nurture.domain.contacts import ContactView
from nurture.domain.vocabulary import FORMALITIES, GENDERS, LANGUAGES, TIERS
from nurture.entrypoints.app import App
from nurture.entrypoints.web.pages import plain_name
from nurture.entrypoints.web.site import ACTOR, checked_form, int_or, site
from nurture.errors import NurtureError
from nurture.usecases.contact_edit import validated_changes

REVIEW_LIMIT = 200
FIX_FIELDS = ("first_name", "last_name", "gender", "title", "formality", "language", "country", "tier")
CHOICES = {"gender": GENDERS + ("unknown", ""), "formality": FORMALITIES, "language": LANGUAGES, "tier": TIERS}
CLOSED = ("sent", "rejected", "expired", "failed")


def salutation_of(view: ContactView) -> tuple[str | None, str | None]:
    """(salutation line, None) or (None, why it cannot be formed)."""
    result = view.salutation()
    if isinstance(result, NeedsReview):
        return None, result.reason
    return result.line, None


def review_page(app: App) -> dict[str, Any]:
    with app.factory() as session:
        store = ContactStore(session)
        found = list(islice(store.iter_all(review_only=True), REVIEW_LIMIT + 1))
        waiting = dict(session.execute(
            select(Message.contact_id, Message.id).where(Message.status == "review")
        ).all())  # fmt: skip
    return {"contacts": [(v, reason, v.id in waiting) for v, reason in found[:REVIEW_LIMIT]],
            "more": len(found) > REVIEW_LIMIT, "choices": CHOICES}  # fmt: skip


async def review(request: Request) -> Response:
    s = site(request)
    data = await run_in_threadpool(review_page, s.app)
    return s.pages.render(request, "review.html", data)


@dataclass(frozen=True)
class TimelineItem:
    when: datetime | date
    kind: str
    label: str
    status: str | None = None
    message_id: int | None = None

    @property
    def sort_key(self) -> str:
        return self.when.isoformat() if isinstance(self.when, datetime) else f"{self.when.isoformat()}T00:00"


def contact_page(app: App, cid: int) -> dict[str, Any]:
    now = app.now()
    with app.factory() as session:
        view = ContactStore(session).get(cid)
        graph = GraphStore(session)
        relations = graph.relations(cid)
        neighbour_ids = graph.neighbours(cid)
        people = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(neighbour_ids)))}
        names = {i: plain_name(c.first_name, c.last_name, c.email, i) for i, c in people.items()}
        explicit = {other for _k, other in relations}
        neighbours = [(kind, other, names.get(other, f"contact {other}")) for kind, other in relations]
        neighbours += [("same organisation", i, names[i]) for i in sorted(neighbour_ids - explicit) if i in names]
        past: list[TimelineItem] = []
        planned: list[TimelineItem] = []
        for e in session.scalars(select(Event).where(Event.contact_id == cid)):
            details = ", ".join(f"{k}: {v}" for k, v in (e.details or {}).items())
            item = TimelineItem(e.date, "event", f"{e.kind}" + (f" ({details})" if details else ""))
            (past if e.date <= now.date() else planned).append(item)
        for t in session.scalars(select(Touch).where(Touch.contact_id == cid)):
            past.append(TimelineItem(t.at, "touch", t.note or t.source))
        for m in session.scalars(select(Message).where(Message.contact_id == cid)):
            when = m.sent_at or m.send_at
            item = TimelineItem(when, "message", f"{m.occasion}: {m.subject}", m.status, m.id)
            (past if m.status in CLOSED else planned).append(item)
    salutation, reason = salutation_of(view)
    return {
        "c": view, "salutation": salutation, "review_reason": reason, "neighbours": neighbours,
        "past": sorted(past, key=lambda i: i.sort_key, reverse=True),
        "planned": sorted(planned, key=lambda i: i.sort_key), "choices": CHOICES,
    }  # fmt: skip


async def contact(request: Request) -> Response:
    s = site(request)
    data = await run_in_threadpool(contact_page, s.app, int_or(request.path_params["cid"], 0))
    return s.pages.render(request, "contact.html", data)


def form_changes(form: FormData, now: datetime) -> dict[str, Any]:
    """Validated column values from the fix form; only the fields the form sent."""
    fields: dict[str, Any] = {}
    for name in FIX_FIELDS:
        value = form.get(name)
        if not isinstance(value, str):
            continue
        value = value.strip()
        if name in CHOICES and value not in CHOICES[name]:
            raise NurtureError(f"{name.replace('_', ' ')} must be one of {', '.join(c for c in CHOICES[name] if c)}")
        if name == "country" and not value:
            continue
        fields[name] = value
    # The country is checked by the import's own rules, with its words ("XX" is no country).
    return validated_changes(fields, now, lambda name: name.replace("_", " "))


def save_contact(app: App, cid: int, changes: dict[str, Any]) -> tuple[str | None, str | None, dict[str, int]]:
    with app.factory() as session, session.begin():
        store = ContactStore(session)
        row = store.row(cid)
        store.update(row, changes, app.now(), ACTOR)
        session.flush()
        moved = app.desk().recompose_contact(session, row.id, ACTOR)
        line, reason = salutation_of(store.get(row.id))
    return line, reason, moved


async def edit(request: Request) -> Response:
    s = site(request)
    form = await checked_form(request)
    if form is None:
        return s.pages.refuse(request, "The form had expired or came from another site; reload the page.")
    cid = int_or(request.path_params["cid"], 0)
    back = "/review" if form.get("back") == "review" else f"/contacts/{cid}"
    try:
        changes = form_changes(form, s.app.now())
        line, reason, moved = await run_in_threadpool(save_contact, s.app, cid, changes)
    except NurtureError as exc:
        return s.pages.redirect(request, back, f"Not saved: {exc}")
    notes = [f"Saved contact {cid}. " + (f"Salutation: {line}" if line else f"Still needs review: {reason}")]
    notes += [f"{n} message(s) now {status}." for status, n in sorted(moved.items())]
    return s.pages.redirect(request, f"/contacts/{cid}", *notes)


routes = [
    Route("/review", review, methods=["GET"]),
    Route("/contacts/{cid:id}", contact, methods=["GET"]),
    Route("/contacts/{cid:id}/edit", edit, methods=["POST"]),
]
