"""Shared pieces of the rendering tests: the shipped templates folder, contexts and a stand-in guard."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
LANGUAGES = ("de", "en")
OCCASIONS = (
    "birthday",
    "job_change",
    "promotion",
    "work_anniversary",
    "publication",
    "achievement",
    "content_drop",
    "reconnect",
)
EVENT_DETAILS: dict[str, dict[str, Any]] = {
    "job_change": {"company": "Nordlicht GmbH", "position": "Leiterin Einkauf", "old_company": "Südwind AG"},
    "promotion": {"position": "Head of Procurement"},
    "work_anniversary": {"years": 5, "company": "Nordlicht GmbH"},
    "publication": {"title": "Einkauf mit Augenmaß"},
    "achievement": {"what": "Auszeichnung als Arbeitgeber des Jahres"},
}


def make_context(
    language: str,
    occasion: str,
    *,
    informal: bool = False,
    first_name: str = "Anna",
    last_name: str = "Weber",
    company: str | None = "Nordlicht GmbH",
    country: str = "DE",
    note: str | None = None,
    unsubscribe_url: str | None = "https://example.com/u/abc123",
    objection_notice: bool = True,
    details: dict[str, Any] | None = None,
    salutation: str | None = None,
) -> dict[str, Any]:
    """The context nurture.usecases.compose builds, for a realistic contact."""
    day = date(2026, 6, 3)
    if salutation is None:
        if language == "de":
            salutation = f"Liebe {first_name}," if informal else f"Sehr geehrte Frau {last_name},"
        else:
            salutation = f"Hi {first_name}," if informal else f"Dear Ms {last_name},"
    event = None
    if occasion in EVENT_DETAILS:
        event = {
            "kind": occasion,
            "date": day,
            "details": EVENT_DETAILS[occasion] if details is None else details,
        }
    content = None
    if occasion == "content_drop":
        content = {
            "id": "guide-1",
            "title": "Leitfaden Lieferantengespräche" if language == "de" else "Supplier talks guide",
            "url": "https://example.com/guide",
            "kind": "guide",
            "summary": "Zehn Fragen für das nächste Gespräch."
            if language == "de"
            else "Ten questions to ask.",
        }
    return {
        "contact": {
            "first_name": first_name,
            "last_name": last_name,
            "full_name": f"{first_name} {last_name}",
            "company": company,
            "position": "Einkauf",
            "language": language,
            "country": country,
            "formality": "informal" if informal else "formal",
            "tier": "A",
            "topics": ["Einkauf", "Logistik"],
        },
        "salutation": salutation,
        "informal": informal,
        "sender": {
            "name": "Jana Beispiel",
            "email": "jana@example.com",
            "organisation": "Beispiel GmbH",
            "postal_address": "Musterstraße 1, 12345 Musterstadt",
            "legal_notice": "Beispiel GmbH, Sitz Musterstadt, Amtsgericht Musterstadt HRB 12345",
        },
        "occasion": {"kind": occasion, "date": day, "year": day.year},
        "event": event,
        "content": content,
        "note": note,
        "unsubscribe_url": unsubscribe_url,
        "objection_notice": objection_notice,
    }


@dataclass(frozen=True)
class FakeFinding:
    line: int
    col: int
    phrase: str
    rule: str

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.phrase} ({self.rule})"


FAKE_RULE = re.compile(r"(?i)kaufen|buy now|%")


def fake_scan(
    text: str, language: str, *, html: bool = False, extra_phrases: Any = (), allow_phrases: Any = ()
) -> list[FakeFinding]:
    """A regex stand-in for nurture.domain.guard.scan with the same signature and finding shape."""
    if html:
        text = re.sub(r"<[^>]+>", " ", text)
    return [
        FakeFinding(number, m.start() + 1, m.group(), "call_to_buy")
        for number, line in enumerate(text.splitlines(), 1)
        for m in FAKE_RULE.finditer(line)
    ]
