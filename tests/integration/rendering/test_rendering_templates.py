"""Every shipped wording renders for every language, occasion and formality, safely and politely."""

from __future__ import annotations

import re
from datetime import date

import pytest
from rendering_samples import LANGUAGES, OCCASIONS, TEMPLATES, make_context

from nurture.rendering.lint import sample_contexts
from nurture.rendering.render import TemplateRenderer

HOSTILE = "<img src=x onerror=alert(1)>"
SALESY = re.compile(
    r"(?i)(€|\beur\b|\busd\b|\$|%|preis|rabatt|angebot|kaufen|bestell|gratis|kostenlos|\bneu(e|er|es|en)?\b|jetzt|"
    r"sofort|\bprice|discount|offer|\bbuy|\border|\bfree\b|\bnew\b|\bnow\b|limited|\bsale\b|\bdeal\b|hurry)"
)
SIE_FORMS = re.compile(r"\b(Sie|Ihnen|Ihr|Ihre|Ihrem|Ihren|Ihrer|Ihres)\b")
DU_FORMS = re.compile(r"(?i)\b(du|dir|dich|dein|deine|deinem|deinen|deiner|deines)\b")


@pytest.fixture(scope="module")
def renderer() -> TemplateRenderer:
    return TemplateRenderer(TEMPLATES)


def body_of(text: str) -> str:
    """The message without the footer (which starts at the signature separator)."""
    return text.split("\n-- \n", 1)[0].rstrip()


def every_wording():
    renderer = TemplateRenderer(TEMPLATES)
    for language in LANGUAGES:
        for occasion in OCCASIONS:
            for variant in renderer.variants(language, occasion):
                for informal in (False, True):
                    yield pytest.param(
                        language,
                        occasion,
                        variant,
                        informal,
                        id=f"{language}-{occasion}-{variant}-{informal}",
                    )


def test_each_occasion_has_three_wordings_in_both_languages(renderer: TemplateRenderer) -> None:
    for language in LANGUAGES:
        for occasion in OCCASIONS:
            assert len(renderer.variants(language, occasion)) >= 3, (language, occasion)


@pytest.mark.parametrize(("language", "occasion", "variant", "informal"), list(every_wording()))
def test_wording_renders_with_a_realistic_contact(
    renderer: TemplateRenderer, language: str, occasion: str, variant: str, informal: bool
) -> None:
    note = "Schön, dass wir uns in Köln gesehen haben." if language == "de" else "Great to see you in Leeds."
    ctx = make_context(language, occasion, informal=informal, note=note)
    msg = renderer.render(
        language, occasion, ctx, seed_key="42", occasion_date=date(2026, 6, 3), variant=variant
    )

    assert msg.template == f"{language}/{occasion}/{variant}"
    assert msg.subject and "\n" not in msg.subject and "\r" not in msg.subject
    assert msg.subject == msg.subject.strip()
    assert msg.text.startswith(ctx["salutation"] + "\n\n")
    body = body_of(msg.text)
    paragraphs = body.split("\n\n")
    assert 3 <= len(paragraphs) <= 7
    assert note in paragraphs  # the personal note is a paragraph of its own
    assert paragraphs[-1].endswith("\nJana Beispiel")  # sign-off with the sender's name
    sentences = re.findall(r"[.!?](?:\s|$)", "\n".join(paragraphs[1:-1]).replace(note, ""))
    assert 1 <= len(sentences) <= 6
    assert not SALESY.search(body), SALESY.search(body)
    for needed in (
        "Beispiel GmbH",
        "Musterstraße 1, 12345 Musterstadt",
        "HRB 12345",
        "https://example.com/u/abc123",
    ):
        assert needed in msg.text
        assert msg.html is not None and needed in msg.html
    assert msg.html.startswith("<!DOCTYPE html>")
    assert "max-width:600px" in msg.html
    assert not re.search(r"(?i)<(img|script|link|iframe)\b|url\(", msg.html)
    assert len(msg.html.encode()) < 100_000
    if language == "de":
        words = body.replace(ctx["salutation"], "")
        if informal:
            assert not SIE_FORMS.search(words), SIE_FORMS.search(words)
            assert DU_FORMS.search(words)
            assert "Du kannst der Verwendung deiner E-Mail-Adresse jederzeit widersprechen" in msg.text
            assert (
                "Wenn du keine E-Mails mehr von mir erhalten möchtest: https://example.com/u/abc123"
                in msg.text
            )
        else:
            assert not DU_FORMS.search(words), DU_FORMS.search(words)
            assert SIE_FORMS.search(words)
            assert (
                "Sie können der Verwendung Ihrer E-Mail-Adresse jederzeit widersprechen, ohne dass hierfür andere als "
                "die Übermittlungskosten nach den Basistarifen entstehen." in msg.text
            )
            assert (
                "Wenn Sie keine E-Mails mehr von mir erhalten möchten: https://example.com/u/abc123"
                in msg.text
            )
    else:
        assert "object to the use of your e-mail address at any time" in msg.text
        assert "object to the use of your e-mail address at any time" in msg.html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("occasion", OCCASIONS)
def test_every_sample_context_renders(renderer: TemplateRenderer, language: str, occasion: str) -> None:
    """Missing event details, no company, no note, no unsubscribe link: nothing trips StrictUndefined."""
    rendered = 0
    for variant in renderer.variants(language, occasion):
        for ctx in sample_contexts(language, occasion):
            msg = renderer.render(
                language, occasion, ctx, seed_key="s", occasion_date=date(2026, 1, 1), variant=variant
            )
            assert msg.subject and "  " not in msg.subject
            assert "None" not in msg.text and "None" not in (msg.html or "")
            assert "\n\n\n" not in msg.text
            if ctx["unsubscribe_url"] is None:
                assert "E-Mails mehr" not in msg.text and "e-mails from me" not in msg.text
            if not ctx["objection_notice"]:
                assert "widersprechen" not in msg.text and "object to the use" not in msg.text
            rendered += 1
    assert rendered >= 12


def test_birthday_never_mentions_age_nor_anything_but_the_greeting(renderer: TemplateRenderer) -> None:
    for language in LANGUAGES:
        for variant in renderer.variants(language, "birthday"):
            for informal in (False, True):
                ctx = make_context(language, "birthday", informal=informal)
                msg = renderer.render(
                    language, "birthday", ctx, seed_key="1", occasion_date=date(2026, 6, 3), variant=variant
                )
                body = body_of(msg.text)
                assert not re.search(r"\d", body + msg.subject)
                assert not re.search(r"(?i)jahre alt|years old|\balt\b|\bage\b", body)
                assert "http" not in body


def test_hostile_name_is_escaped_in_html_and_verbatim_in_text(renderer: TemplateRenderer) -> None:
    for language in LANGUAGES:
        for occasion in OCCASIONS:
            ctx = make_context(
                language,
                occasion,
                first_name=HOSTILE,
                company=HOSTILE,
                note=f"Note {HOSTILE}",
                salutation=f"Dear {HOSTILE},",
                details={"company": HOSTILE, "position": HOSTILE, "title": HOSTILE, "what": HOSTILE},
            )
            msg = renderer.render(language, occasion, ctx, seed_key="x", occasion_date=date(2026, 6, 3))
            assert HOSTILE in msg.text
            assert msg.html is not None
            assert "<img" not in msg.html
            assert "&lt;img src=x onerror=alert(1)&gt;" in msg.html


def test_subject_cannot_carry_a_header_injection(renderer: TemplateRenderer) -> None:
    ctx = make_context("de", "job_change", details={"company": "ACME\r\nBcc: evil@example.com\n"})
    for variant in ("1", "2"):
        msg = renderer.render(
            "de", "job_change", ctx, seed_key="x", occasion_date=date(2026, 6, 3), variant=variant
        )
        assert "\r" not in msg.subject and "\n" not in msg.subject
        assert "ACME Bcc: evil@example.com" in msg.subject


@pytest.mark.parametrize("country", ["CH", "LI", "li"])
def test_swiss_contacts_get_ss_instead_of_sharp_s(renderer: TemplateRenderer, country: str) -> None:
    """Liechtenstein writes Swiss Standard German too: its mails kept "Grüße" under a "Grossmann" salutation."""
    ctx = make_context("de", "birthday", country=country)
    msg = renderer.render("de", "birthday", ctx, seed_key="x", occasion_date=date(2026, 6, 3), variant="1")
    assert "ß" not in msg.text and "ß" not in (msg.html or "")
    assert "Herzliche Grüsse" in msg.text
    german = renderer.render(
        "de",
        "birthday",
        make_context("de", "birthday"),
        seed_key="x",
        occasion_date=date(2026, 6, 3),
        variant="1",
    )
    assert "Herzliche Grüße" in german.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_digest_lists_the_queue_without_a_contact_footer(renderer: TemplateRenderer, language: str) -> None:
    digest = {
        "pending": [
            {
                "id": 11,
                "contact": "Anna Weber",
                "occasion": "birthday",
                "send_at": "2026-06-03 09:00",
                "deadline": None,
            }
        ],
        "expiring_today": [
            {
                "id": 12,
                "contact": "Ben Hall",
                "occasion": "job_change",
                "send_at": "2026-06-03 10:00",
                "deadline": "2026-06-03 09:30",
            }
        ],
        "review": [{"id": 5, "name": "Max Mustermann", "reason": "placeholder name"}],
        "url": "http://127.0.0.1:8080/",
    }
    msg = renderer.render(
        language, "digest", {"digest": digest}, seed_key="digest", occasion_date=date(2026, 6, 3)
    )
    assert msg.template == f"{language}/digest/1"
    for needed in (
        "Anna Weber",
        "Ben Hall",
        "Max Mustermann",
        "placeholder name",
        "http://127.0.0.1:8080/",
        "11",
        "12",
    ):
        assert needed in msg.text
        assert msg.html is not None and needed in msg.html
    assert "\n-- \n" not in msg.text
    assert "\n" not in msg.subject and "1" in msg.subject
