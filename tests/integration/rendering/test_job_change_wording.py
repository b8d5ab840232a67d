"""A job change where only the position changed reads as a new role at the same company, not as a move.

Julia Weber went from Geschäftsführerin to Inhaberin at Weber & Partner; the import recorded
company == old_company, and the message said "deine berufliche Veränderung zu Weber & Partner
ist mir nicht entgangen … So ein Wechsel … dass du dich schnell einlebst".
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from rendering_samples import TEMPLATES, make_context

from nurture.domain.guard.scan import scan
from nurture.rendering.render import TemplateRenderer

RENDERER = TemplateRenderer(TEMPLATES)
DAY = date(2026, 11, 23)
WORDINGS = [(lang, variant) for lang in ("de", "en") for variant in RENDERER.variants(lang, "job_change")]

SAME_COMPANY = {
    "de": {"company": "Weber & Partner", "old_company": "Weber & Partner",
           "position": "Inhaberin", "old_position": "Geschäftsführerin"},
    "en": {"company": "Weber & Partner", "old_company": "Weber & Partner",
           "position": "Owner", "old_position": "Managing Director"},
}  # fmt: skip
ROLE = {"de": "als Inhaberin bei Weber & Partner", "en": "as Owner at Weber & Partner"}
ROLE_WORD = {"de": re.compile(r"neue[nr]? Aufgabe"), "en": re.compile(r"new role")}
# Words that say the person moved to another employer.
MOVE_WORDS = {
    "de": ("Wechsel", "Veränderung", "einleb", "zu Weber", "Nach deiner Zeit", "Nach Ihrer Zeit", "Start"),
    "en": ("move", "career change", "to Weber", "After your time", "settle in quickly", "start"),
}


def context(lang: str, details: dict, informal: bool) -> dict:
    return make_context(lang, "job_change", informal=informal, first_name="Julia", last_name="Weber",
                        company="Weber & Partner", details=details)  # fmt: skip


def render(lang: str, variant: str, details: dict, informal: bool):
    return RENDERER.render(lang, "job_change", context(lang, details, informal), seed_key="x",
                           occasion_date=DAY, variant=variant)  # fmt: skip


def wording_parts(lang: str, variant: str, details: dict, informal: bool) -> dict[str, str]:
    """Subject, text body and HTML body (as plain words) of one wording, without the shared footer."""
    ctx = context(lang, details, informal)
    base = f"{lang}/job_change/{variant}"
    html = RENDERER.render_file(f"{base}.html.j2", ctx, html=True)
    html = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&").replace("&#39;", "'")
    return {
        "subject": render(lang, variant, details, informal).subject,
        "text": RENDERER.render_file(f"{base}.txt.j2", ctx, html=False),
        "html": html,
    }


@pytest.mark.parametrize("informal", [False, True], ids=["formal", "informal"])
@pytest.mark.parametrize(("lang", "variant"), WORDINGS)
def test_a_position_change_at_the_same_company_reads_as_a_new_role(lang: str, variant: str, informal: bool) -> None:
    parts = wording_parts(lang, variant, SAME_COMPANY[lang], informal)
    assert ROLE[lang] in parts["text"] and ROLE[lang] in parts["html"], parts
    for part, words in parts.items():
        assert ROLE_WORD[lang].search(words), (part, words)
        for word in MOVE_WORDS[lang]:
            assert word.casefold() not in words.casefold(), (word, part, words)


@pytest.mark.parametrize("informal", [False, True], ids=["formal", "informal"])
@pytest.mark.parametrize(("lang", "variant"), WORDINGS)
def test_the_new_role_wording_is_clean_for_the_offer_guard(lang: str, variant: str, informal: bool) -> None:
    message = render(lang, variant, SAME_COMPANY[lang], informal)
    assert scan(message.subject, lang) == []
    assert scan(message.text, lang) == []
    assert scan(message.html or "", lang, html=True) == []


@pytest.mark.parametrize(("lang", "variant"), WORDINGS)
def test_the_same_company_written_differently_is_still_the_same_company(lang: str, variant: str) -> None:
    details = {**SAME_COMPANY[lang], "old_company": "  WEBER & PARTNER "}
    message = render(lang, variant, details, False)
    assert ROLE[lang] in message.text and ROLE_WORD[lang].search(message.subject), message.text


@pytest.mark.parametrize(("lang", "variant"), WORDINGS)
def test_a_new_position_without_any_company_is_a_new_role_too(lang: str, variant: str) -> None:
    details = {**SAME_COMPANY[lang], "company": "", "old_company": ""}
    message = render(lang, variant, details, True)
    assert ROLE_WORD[lang].search(message.text) and ROLE_WORD[lang].search(message.subject), message.text
    assert ROLE[lang].split(" bei ")[0].split(" at ")[0] in message.text


@pytest.mark.parametrize("informal", [False, True], ids=["formal", "informal"])
@pytest.mark.parametrize(("lang", "variant"), WORDINGS)
def test_a_company_change_still_reads_as_a_move(lang: str, variant: str, informal: bool) -> None:
    details = {**SAME_COMPANY[lang], "company": "Südwind AG"}
    message = render(lang, variant, details, informal)
    assert "Südwind AG" in message.text
    assert not ROLE_WORD[lang].search(message.text) and not ROLE_WORD[lang].search(message.subject), message.text
