"""The fixed vocabularies of SPEC.md: occasions, statuses, genders, consent bases.

Kept in one place so that the CLI, the database and the planner agree on the exact words.
"""

from __future__ import annotations

import unicodedata
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
    "planned",
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
# How the reason of a message in review begins when nobody knows whether the relay took it: it is
# never sent again by itself, and a person may approve it again (the review it needs is theirs).
UNCERTAIN: Final = "delivery uncertain"

# ISO 3166-1 alpha-2, the officially assigned codes.
COUNTRY_CODES: tuple[str, ...] = tuple(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT
    BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH
    ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT
    HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS
    LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI
    NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG
    SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
    UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)

# Longest text per contact field; matches the database columns, so a long value is refused
# with a plain message (an import row, an edit) instead of failing a whole write on PostgreSQL.
MAX_LENGTH: Final = {
    "first_name": 200,
    "last_name": 200,
    "title": 100,
    "company": 300,
    "position": 300,
    "profile_url": 500,
    "consent_source": 1000,
    "note": 10000,
}


def control_character(text: str) -> str | None:
    """The first control character (or lone surrogate) in a one-line text a person typed, else None.

    Such a character has no place in a name, a note or a detail that goes into a message or a
    record: an escape sequence, a NUL (which PostgreSQL refuses), bytes that were not text.
    """
    return next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cs")), None)
