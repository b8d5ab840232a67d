"""Offers and honest texts found by hunting with everyday B2B sales and nurturing copy."""

from __future__ import annotations

import pytest

from nurture.domain.guard import scan


@pytest.mark.parametrize(("language", "text", "rule"), [
    ("de", "Wir erstellen Ihnen gerne ein individuelles Angebot.", "offer"),
    ("de", "Darf ich Ihnen ein Angebot machen?", "offer"),
    ("de", "Preise auf Anfrage.", "offer"),
    ("de", "Sie erhalten 15 % auf Ihre erste Bestellung.", "discount"),
    ("de", "Code SOMMER25 im Checkout eingeben.", "discount"),
    ("de", "Hol dir jetzt dein Ticket!", "call_to_buy"),
    ("de", "Reservieren Sie sich jetzt Ihren Platz.", "call_to_buy"),
    ("de", "Jetzt Angebot sichern", "call_to_buy"),
    ("de", "Testzugang anfordern", "call_to_buy"),
    ("de", "Nur bis zum 31. März buchbar.", "urgency"),
    ("de", "Early Bird bis Freitag", "offer"),
    ("en", "Contact us for pricing.", "offer"),
    ("en", "Free 30-minute consultation", "free_offer"),
    ("en", "Just 5 seats left.", "urgency"),
    ("en", "Use code SPRING20.", "discount"),
    ("de", '<a href="https://beispiel.de/x?utm_campaign=black-friday">Leitfaden</a>', "shop_link"),
    ("en", "Guide: https://example.com/plans-and-pricing", "shop_link"),
])  # fmt: skip
def test_everyday_sales_copy_is_flagged(language: str, text: str, rule: str) -> None:
    findings = scan(text, language, html=text.startswith("<"))
    assert rule in {f.rule for f in findings}, [str(f) for f in findings]


@pytest.mark.parametrize(("language", "text"), [
    ("de", "Sichern Sie sich das Vertrauen Ihrer Kunden – mit dieser Checkliste."),
    ("de", "Ich habe gehört, dass man Ihnen ein Angebot aus München gemacht hat."),
    ("de", "Die Checkliste hilft Ihnen, Angebote von Lieferanten zu vergleichen."),
    ("de", "Die Aktie stieg am ersten Tag um 12 % auf den Kurs von 42 €."),
    ("de", "Die Preise für Strom steigen ab Januar um 5 %."),
    ("de", "Buchen Sie Ihren Urlaub rechtzeitig – Sie haben ihn sich verdient!"),
    ("de", "Die Checkliste zum Upgrade auf SAP S/4HANA."),
    ("de", "Ihr Vortrag zum Code of Conduct war klasse."),
    ("de", "Zur Präsentation: https://beispiel.de/vortrag?utm_campaign=sales-kickoff-2026"),
    ("en", "Congratulations on your deal worth $3 million."),
    ("en", "Your shares are now trading at $42."),
    ("en", "Start free of charge, no registration: the guide is online."),
    ("en", "Join today's roundtable if you like – no slides, just conversation."),
    ("en", "How CFOs view pricing in 2026."),
    ("en", "Use code review checklists to catch bugs early."),
    ("en", "Here is the deck: https://example.com/deck?utm_campaign=promotion-congrats"),
])  # fmt: skip
def test_honest_copy_stays_clean(language: str, text: str) -> None:
    assert [str(f) for f in scan(text, language)] == []


@pytest.mark.parametrize("prefix", ["JETZT", "hier", "Sofort"])
def test_a_call_to_buy_is_reported_where_it_stands_not_at_the_word_before_a_blank_line(prefix: str) -> None:
    findings = scan(f"{prefix}\n\nJetzt kaufen\n", "de")
    assert [(f.line, f.col, f.phrase) for f in findings] == [(3, 1, "Jetzt kaufen")]


@pytest.mark.parametrize(("language", "text", "rule"), [
    ("de", "Angebot nur bis Freitag", "urgency"),
    ("de", "Angebot nur diese Woche", "urgency"),
    ("de", "Die Lizenzen gibt es nur bis Freitag zu diesen Konditionen.", "urgency"),
    ("de", "Nur noch bis Freitag gültig.", "urgency"),
    ("de", "nur noch bis Ende des Monats", "urgency"),
    ("en", "Offer only until Friday", "urgency"),
    ("en", "Schedule a call with our sales team", "call_to_buy"),
    ("de", '<p title="20 % Rabatt">Hallo Frau Weber,</p>', "discount"),
    ("en", '<img src="banner.png" alt="Buy now – 20% off">', "call_to_buy"),
])  # fmt: skip
def test_reported_deadlines_sales_calls_and_attribute_texts_are_flagged(language: str, text: str, rule: str) -> None:
    findings = scan(text, language, html=text.startswith("<"))
    assert rule in {f.rule for f in findings}, [str(f) for f in findings]


@pytest.mark.parametrize(("language", "text"), [
    ("de", "Die Anmeldung ist bis Freitag möglich."),
    ("de", "Ich bin bis Freitag im Urlaub."),
    ("de", "Der Link ist bis Ende des Monats gültig."),
    ("de", "Wir sehen uns bis Freitag."),
    ("de", "Ich bin nur bis Freitag im Büro, danach gern nach Ostern."),
    ("en", "Let's schedule a call."),
    ("en", "The guide is available until Friday."),
    ("en", "I'm only in London until Friday – coffee?"),
])  # fmt: skip
def test_plain_dates_and_personal_calls_stay_clean(language: str, text: str) -> None:
    """A date is pushy only with "nur noch", next to an offer or alone as a headline; a call is a sale only with sales."""
    assert [str(f) for f in scan(text, language)] == []
    other = "en" if language == "de" else "de"
    assert [str(f) for f in scan(text, other)] == []
