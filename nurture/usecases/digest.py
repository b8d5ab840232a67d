"""The approvers' daily digest: what waits for them, sorted by deadline. Nothing pending, no digest.

The day is claimed in the database (a unique day key) before mailing, so two daemons on
one PostgreSQL never send it twice.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nurture.adapters.db.message_store import MessageStore
from nurture.adapters.db.tables import Contact
from nurture.domain.contacts import stored_name
from nurture.rendering.mime import OutgoingMail, build_mail


def digest_context(app: Any, now: datetime) -> dict[str, Any]:
    tz = ZoneInfo(app.settings.general.timezone)
    local = now.astimezone(tz)
    end_of_day = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tz)
    with app.factory() as session:
        store = MessageStore(session)
        pending = store.list(["pending"])
        review_contacts = list(session.scalars(select(Contact).where(Contact.needs_review.is_(True)).limit(200)))

        def item(m: Any, c: Contact) -> dict[str, Any]:
            deadline = m.expires_at or m.send_at
            return {
                "id": m.id,
                "contact": stored_name(c.first_name, c.last_name, c.email, c.id),
                "occasion": m.occasion,
                "send_at": m.send_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"),  # the zone named: the approver's, not the contact's
                "deadline": deadline.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"),
                "_deadline": deadline,
            }

        items = sorted((item(m, c) for m, c in pending), key=lambda d: d["_deadline"])
        expiring = [d for d in items if d["_deadline"] <= end_of_day and d["occasion"] in ("birthday", "work_anniversary")]
        for d in items:
            d.pop("_deadline")
        review = [
            {"id": c.id, "name": stored_name(c.first_name, c.last_name, c.email, c.id),
             "reason": c.review_reason or ""}
            for c in review_contacts
        ]  # fmt: skip
    host, _, port = app.settings.web.bind.rpartition(":")
    return {"pending": items, "expiring_today": expiring, "review": review, "url": f"http://{host}:{port}/"}


async def send_digest_if_due(app: Any, worker: str) -> dict[str, Any] | None:
    from nurture.usecases.runs import has_day_key, record_run

    schedule = app.settings.schedule
    recipients = list(schedule.digest_to or [])
    if not recipients:
        return None
    now = app.now()
    tz = ZoneInfo(app.settings.general.timezone)
    local = now.astimezone(tz)
    if local.time() < schedule.digest_at:
        return None
    day_key = f"digest:{local.date().isoformat()}"
    if await asyncio.to_thread(has_day_key, app.factory, day_key):
        return None
    digest = await asyncio.to_thread(digest_context, app, now)
    counts = {"pending": len(digest["pending"]), "expiring_today": len(digest["expiring_today"]),
              "review": len(digest["review"]), "recipients": len(recipients)}  # fmt: skip
    if not (digest["pending"] or digest["review"]):
        await asyncio.to_thread(record_run, app.factory, "digest", worker, now, now, {**counts, "sent": 0}, None, day_key)
        return None
    claimed = await asyncio.to_thread(record_run, app.factory, "digest", worker, now, now, counts, None, day_key)
    if not claimed:
        return None
    s = app.settings.sender
    context = {
        "digest": digest,
        "sender": {"name": s.name, "email": s.email, "organisation": s.organisation,
                   "postal_address": s.postal_address, "legal_notice": s.legal_notice},  # fmt: skip
        "salutation": "",
        "informal": False,
        "note": None,
        "unsubscribe_url": None,
        "objection_notice": False,
        "occasion": {"kind": "digest", "date": local.date(), "year": local.year},
    }
    rendered = app.renderer.render(app.settings.general.language, "digest", context, seed_key="digest",
                                   occasion_date=local.date())  # fmt: skip
    from nurture.adapters.smtp import SmtpConfig, SmtpTransport

    smtp = app.settings.smtp
    transport = SmtpTransport(SmtpConfig(host=smtp.host, port=smtp.port, security=smtp.security,
                                         username=smtp.username or None, password=app.settings.smtp_password(),
                                         timeout=smtp.timeout.total_seconds()))  # fmt: skip
    sent = 0
    try:
        for to in recipients:
            mail = OutgoingMail(
                from_name=s.name, from_email=s.email, to_name="", to_email=to, reply_to=None,
                subject=rendered.subject, text=rendered.text, html=rendered.html,
                message_id=app.new_message_id(), date=now,
                extra_headers=(("Auto-Submitted", "auto-generated"),),
            )  # fmt: skip
            result = await transport.send(build_mail(mail))
            sent += result.outcome.name == "SENT"
    finally:
        await transport.close()
    return {**counts, "sent": sent}
