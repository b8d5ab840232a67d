"""Composing one message for one contact: salutation, template, offer guard, resulting status.

A contact whose salutation cannot be formed gets its message in `review`, a message the
offer guard objects to is `blocked` with the findings as reason; only a clean, correctly
addressed message becomes `pending` (product rules 1 and 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from nurture.domain.addressing import NeedsReview
from nurture.domain.contacts import ContactView
from nurture.domain.content import ContentItem
from nurture.domain.guard import GuardFinding, scan, summarise
from nurture.errors import TemplateProblem
from nurture.outbox.tokens import sign_unsubscribe
from nurture.rendering.render import TemplateRenderer


@dataclass(frozen=True)
class SenderInfo:
    name: str
    email: str
    organisation: str
    postal_address: str
    legal_notice: str
    reply_to: str | None = None


@dataclass(frozen=True)
class Composed:
    status: str  # pending | review | blocked
    reason: str | None
    subject: str
    text: str
    html: str | None
    template: str | None


@dataclass
class Composer:
    renderer: TemplateRenderer
    sender: SenderInfo
    unsubscribe_base: str | None = None
    secret: bytes | None = None
    extra_phrases: Mapping[str, Sequence[str]] = field(default_factory=dict)
    allow_phrases: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def unsubscribe_url(self, contact_id: int) -> str | None:
        if not self.unsubscribe_base or not self.secret:
            return None
        return f"{self.unsubscribe_base.rstrip('/')}/{sign_unsubscribe(contact_id, self.secret)}"

    def guard(self, text: str, language: str, html: bool = False) -> list[GuardFinding]:
        return scan(
            text,
            language,
            html=html,
            extra_phrases=tuple(self.extra_phrases.get(language, ())),
            allow_phrases=tuple(self.allow_phrases.get(language, ())),
        )

    def context(
        self,
        contact: ContactView,
        salutation: str,
        occasion: str,
        occasion_date: date,
        event: Mapping[str, Any] | None,
        content: ContentItem | None,
        note: str | None,
    ) -> dict[str, Any]:
        s = self.sender
        return {
            "contact": {
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "full_name": contact.full_name,
                "company": contact.company,
                "position": contact.position,
                "language": contact.language,
                "country": contact.country,
                "formality": contact.formality,
                "tier": contact.tier,
                "topics": list(contact.topics),
            },
            "salutation": salutation,
            "informal": contact.formality == "informal",
            "sender": {
                "name": s.name,
                "email": s.email,
                "organisation": s.organisation,
                "postal_address": s.postal_address,
                "legal_notice": s.legal_notice,
            },
            "occasion": {"kind": occasion, "date": occasion_date, "year": occasion_date.year},
            "event": dict(event) if event is not None else None,
            "content": (
                {
                    "id": content.id,
                    "title": content.title,
                    "url": content.url,
                    "kind": content.kind,
                    "summary": content.summary,
                }
                if content is not None
                else None
            ),
            "note": note or None,
            "unsubscribe_url": self.unsubscribe_url(contact.id),
            "objection_notice": contact.consent == "existing_customer",
        }

    def compose(
        self,
        contact: ContactView,
        occasion: str,
        occasion_date: date,
        event: Mapping[str, Any] | None = None,
        content: ContentItem | None = None,
        note: str | None = None,
        content_id: str | None = None,
    ) -> Composed:
        """The message's words and status; `content_id` is the item it was planned with, if any."""
        if content_id is not None and content is None:
            # The item was taken out of the library after planning (outdated, withdrawn): the
            # template would write a content drop with nothing in it.
            return Composed("blocked", f"content: the item {content_id!r} is no longer in the content library (or cannot "
                            "be read there: `nurture check` tells); put the item back (the next plan run frees this "
                            "message) or reject it (the contact's next content drop then follows a cadence later)", "", "", None,
                            None)  # fmt: skip
        if content is not None and not content.available_on(occasion_date):
            return Composed("blocked", f"content: the item {content.id!r} was to be shared only until "
                            f"{content.valid_until} (its valid_until); extend valid_until (the next plan run frees this "
                            "message) or reject it (the contact's next content drop then follows a cadence later)",
                            "", "", None, None)  # fmt: skip
        if content is not None and content.language.casefold() != (contact.language or "").casefold():
            # The contact's language changed after the item was chosen (an edit, a re-import).
            return Composed("blocked", f"content: the item {content.id!r} is in {content.language!r}, but the contact "
                            f"reads {contact.language!r} now; reject this message (the contact's next content drop "
                            f"then brings an item in {contact.language!r}) or set the contact's language back",
                            "", "", None, None)  # fmt: skip
        salutation = contact.salutation()
        if isinstance(salutation, NeedsReview):
            return Composed("review", f"salutation: {salutation.reason}", "", "", None, None)
        context = self.context(contact, salutation.line, occasion, occasion_date, event, content, note)
        try:
            rendered = self.renderer.render(
                contact.language, occasion, context, seed_key=str(contact.id), occasion_date=occasion_date
            )
        except TemplateProblem as exc:
            return Composed("blocked", f"template: {exc}", "", "", None, None)
        findings = self.guard(rendered.subject + "\n" + rendered.text, contact.language)
        if rendered.html:
            findings += self.guard(rendered.html, contact.language, html=True)
        status, reason = ("pending", None)
        if findings:
            status, reason = "blocked", summarise(findings)
        return Composed(status, reason, rendered.subject, rendered.text, rendered.html, rendered.template)
