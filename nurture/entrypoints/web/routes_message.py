"""One message exactly as it will arrive: headers, text with offer-guard findings, sandboxed HTML.

The HTML preview is an `<iframe sandbox srcdoc=…>`: an empty sandbox runs no script, submits
no form and gets a unique origin, so a hostile template or contact field cannot act.

Every approve form carries a fingerprint of the words and the addressee it showed (`seen`).
An approval whose fingerprint no longer matches the message (the contact was corrected and
the message written again, someone added a personal line) is refused: the approver approves
exactly what was on the screen, or nothing. A message approved meanwhile (the same form sent
twice, or another approver) is reported as approved already, with who and when (`outcomes`).
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nurture.adapters.db.contact_store import to_view
from nurture.adapters.db.message_store import ALLOWED, MessageStore
from nurture.adapters.db.tables import Contact, MessageLog
from nurture.entrypoints.app import App
from nurture.entrypoints.web.outcomes import already_approved, sentence
from nurture.entrypoints.web.site import ACTOR, checked_form, int_or, site
from nurture.errors import NotFound
from nurture.usecases.approval import approval_refusal, shown_fingerprint


@dataclass
class Line:
    """One line of the text, cut into plain parts and parts the offer guard objects to."""

    number: int
    parts: list[tuple[str, str | None]] = field(default_factory=list)


def highlighted(text: str, findings: list[Any]) -> list[Line]:
    """Lines with every finding's phrase marked; findings count lines and columns from 1."""
    lines = text.split("\n")
    spans: dict[int, list[tuple[int, int, str]]] = {}
    for f in findings:
        idx = int(getattr(f, "line", 0)) - 1
        if not 0 <= idx < len(lines):
            continue
        line, phrase = lines[idx], str(getattr(f, "phrase", ""))
        if not phrase:
            continue
        start = max(0, int(getattr(f, "col", 1)) - 1)
        if line[start:start + len(phrase)].casefold() != phrase.casefold():
            start = line.casefold().find(phrase.casefold())
            if start < 0:
                continue
        spans.setdefault(idx, []).append((start, start + len(phrase), str(getattr(f, "rule", ""))))
    result = []
    for idx, line in enumerate(lines):
        parts: list[tuple[str, str | None]] = []
        pos = 0
        for start, end, rule in sorted(spans.get(idx, [])):
            if start < pos:
                continue
            if start > pos:
                parts.append((line[pos:start], None))
            parts.append((line[start:end], rule))
            pos = end
        if pos < len(line) or not parts:
            parts.append((line[pos:], None))
        result.append(Line(idx + 1, parts))
    return result


def message_page(app: App, mid: int) -> dict[str, Any]:
    app.compose_if_planned(mid)
    with app.factory() as session:
        row = MessageStore(session).get(mid)
        contact = session.get(Contact, row.contact_id)
        if contact is None:
            raise NotFound(f"message {mid} has no contact")
        view = to_view(contact)
        problem = None
        headers: list[tuple[str, str]] = []
        raw = ""
        html = row.html
        try:
            mail = app.build_mail(row, view)
            raw = mail.data.decode("utf-8", "replace")
            parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
            headers = [(k, str(v)) for k, v in parsed.items()]
            body = parsed.get_body(preferencelist=("html",))  # type: ignore[attr-defined]
            if body is not None:
                html = body.get_content()
        except Exception as exc:  # the page must still show the stored text when the e-mail cannot be built
            problem = f"the e-mail cannot be built: {exc}"
        findings = list(app.composer.guard(row.subject + "\n" + row.text, row.language))
        html_findings = list(app.composer.guard(row.html, row.language, html=True)) if row.html else []
        log = list(session.scalars(select(MessageLog).where(MessageLog.message_id == mid).order_by(MessageLog.id)))
        return {
            "m": row, "contact": view, "headers": headers, "raw": raw, "html": html, "problem": problem,
            "lines": highlighted(row.subject + "\n" + row.text, findings),
            "findings": findings, "html_findings": html_findings, "log": log,
            "can_approve": approval_refusal(row, app.now()) is None, "seen": shown_fingerprint(row, contact),
            "zone": app.settings.general.timezone,
            "can_reject": "rejected" in ALLOWED.get(row.status, frozenset()),
        }  # fmt: skip


async def message(request: Request) -> Response:
    s = site(request)
    mid = int_or(request.path_params["mid"], 0)
    data = await run_in_threadpool(message_page, s.app, mid)
    return s.pages.render(request, "message.html", data)


async def approve(request: Request) -> Response:
    s = site(request)
    form = await checked_form(request)
    if form is None:
        return s.pages.refuse(request, "The form had expired or came from another site; reload the page.")
    mid = int_or(request.path_params["mid"], 0)
    note = str(form.get("note") or "").strip()[:2000] or None
    seen = form.get("seen")  # absent from a form posted by a script: approved as it stands
    shown = {mid: seen} if isinstance(seen, str) and seen else None
    [result] = await run_in_threadpool(s.app.desk().approve, [mid], ACTOR, note, shown)
    if not result.ok:
        # Sent twice (a double click, the back button): approved by the first, not "changed".
        already = await run_in_threadpool(already_approved, s.app, [mid])
        if mid in already:
            return s.pages.redirect(request, "/queue", sentence(already[mid]))
        return s.pages.redirect(request, f"/messages/{mid}", f"Not approved: {result.text}")
    return s.pages.redirect(request, "/queue", f"Approved: {result.text}")


async def reject(request: Request) -> Response:
    s = site(request)
    form = await checked_form(request)
    if form is None:
        return s.pages.refuse(request, "The form had expired or came from another site; reload the page.")
    mid = int_or(request.path_params["mid"], 0)
    reason = " ".join(str(form.get("reason") or "").split())[:500]
    if not reason:
        return s.pages.redirect(request, f"/messages/{mid}", "Give a reason to reject a message.")
    [result] = await run_in_threadpool(s.app.desk().reject, [mid], ACTOR, reason)
    if not result.ok:
        return s.pages.redirect(request, f"/messages/{mid}", f"Not rejected: {result.text}")
    return s.pages.redirect(request, "/queue", f"Rejected message {mid}: {reason}")


routes = [
    Route("/messages/{mid:id}", message, methods=["GET"]),
    Route("/messages/{mid:id}/approve", approve, methods=["POST"]),
    Route("/messages/{mid:id}/reject", reject, methods=["POST"]),
]
