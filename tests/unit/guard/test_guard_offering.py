"""Offering an offer: "ein Angebot für Sie", "a quote for our services", "our pricing".

A real approver's note passed `nurture check-text` although it offered a quote and a price list;
only the sales claim was flagged. The corpus files carry the siblings of these lines; this file
keeps the reported note itself, the mixed-language cases and the reasons behind the near misses.
"""

from __future__ import annotations

import pytest

from nurture.domain.guard import scan


@pytest.mark.parametrize(("language", "text"), [
    ("de", "Wir haben ein tolles Angebot für Sie."),
    ("de", "Kontaktieren Sie mich für ein Angebot."),
    ("en", "Let me know if you'd like a quote for our services."),
    ("en", "I would love to send you our pricing."),
])  # fmt: skip
def test_the_reported_misses_are_offers(language: str, text: str) -> None:
    assert "offer" in {f.rule for f in scan(text, language)}


def test_the_approvers_note_gets_a_finding_on_every_line() -> None:
    note = (
        "Dear Ms Miller,\n"
        "Let me know if you'd like a quote for our services.\n"
        "I would love to send you our pricing.\n"
        "Our new product can save you 30 percent.\n"
    )
    findings = scan(note, "en")
    assert {f.line for f in findings} == {2, 3, 4}
    assert "2:22: like a quote (offer)" in [str(f) for f in findings]


@pytest.mark.parametrize(("language", "text", "rule"), [
    ("en", "Dear Mr Smith,\n\nwir haben ein Angebot für Sie.", "offer"),
    ("en", "Dear Mr Smith,\n\ngern sende ich Ihnen unsere Preisliste.", "offer"),
    ("de", "Liebe Frau Weber,\n\nI'd be happy to send you our price list.", "offer"),
    ("de", "Liebe Frau Weber,\n\nbook our consulting services.", "call_to_buy"),
])  # fmt: skip
def test_offering_an_offer_in_the_other_language_is_caught(language: str, text: str, rule: str) -> None:
    assert rule in {f.rule for f in scan(text, language)}


@pytest.mark.parametrize(("language", "text"), [
    # "Angebot" as a programme, a job offer, the reader's offer to help
    ("de", "Das Angebot der Stadtbibliothek ist wirklich beeindruckend."),
    ("de", "Ich habe Ihr Stellenangebot auf LinkedIn gesehen – spannende Rolle!"),
    ("de", "Danke für Ihr Angebot, mir beim Umzug zu helfen."),
    # an offer reported as news: accepted, received, negotiated
    ("de", "Ich habe ein Angebot aus Hamburg angenommen und wechsle im Mai."),
    ("de", "Sie haben faire Konditionen für Ihr Team ausgehandelt, habe ich gehört."),
    ("en", "I accepted the offer from Siemens and start in May."),
    ("en", "Thanks for your offer to help with the move."),
    # "Preis" as an award, "quote" as a citation, a pricing team
    ("de", "Herzlichen Glückwunsch zum Preis für Nachhaltigkeit!"),
    ("en", "I loved the quote from your talk at the conference."),
    ("en", "Could you give a quote for our newsletter about your new role?"),
    ("en", "The company's pricing team did impressive work on the new model."),
    # a suggestion, not an offer
    ("de", "Ich hätte ein Angebot: Wollen wir uns im Mai auf einen Kaffee treffen?"),
    ("en", "I have a proposal: let's meet for coffee in May."),
    # free content, no offer
    ("de", "Unser kostenlos zugänglicher Leitfaden zum Onboarding."),
])  # fmt: skip
def test_near_misses_stay_clean(language: str, text: str) -> None:
    assert [str(f) for f in scan(text, language)] == []
    other = "en" if language == "de" else "de"
    assert [str(f) for f in scan(text, other)] == []
