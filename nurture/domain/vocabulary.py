"""The fixed vocabularies of SPEC.md: occasions, statuses, genders, consent bases.

Kept in one place so that the CLI, the database and the planner agree on the exact words.
"""

from __future__ import annotations

from typing import Final

GENDERS: Final = ("female", "male", "diverse")
FORMALITIES: Final = ("formal", "informal")
LANGUAGES: Final = ("de", "en")
TIERS: Final = ("A", "B", "C")
CONSENTS: Final = ("opt_in", "existing_customer", "none")
MAILABLE_CONSENTS: Final = ("opt_in", "existing_customer")

RELATION_KINDS: Final = ("colleague", "knows", "introduced_by", "reports_to")

# Occasions a person can have, recorded as events (`nurture event add`).
EVENT_KINDS: Final = ("job_change", "promotion", "work_anniversary", "publication", "achievement")
# Every occasion a message can be planned for.
OCCASIONS: Final = (
    "birthday",
    "job_change",
    "promotion",
    "work_anniversary",
    "publication",
    "achievement",
    "content_drop",
    "reconnect",
)
# Greetings belong to a day: they go out on it or not at all.
GREETINGS: Final = frozenset({"birthday", "work_anniversary"})
CONTENT_KINDS: Final = ("checklist", "guide", "video", "template", "ebook", "article")

STATUSES: Final = (
    "pending",
    "review",
    "blocked",
    "approved",
    "rejected",
    "sending",
    "sent",
    "failed",
    "expired",
)
# Statuses a message may still be re-rendered in (nobody has approved its words yet).
UNAPPROVED: Final = frozenset({"pending", "review", "blocked"})
