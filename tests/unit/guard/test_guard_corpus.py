"""The offer guard against a corpus of offer texts and honest nurturing texts, per language.

Offers must be flagged with the expected rule (recall), honest texts must come back clean
(precision); both are measured over the whole corpus and must be 100 %.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nurture.domain.guard import scan

CORPUS = Path(__file__).parent / "corpus"
LANGUAGES = ("de", "en")


def _lines(name: str) -> list[str]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return [line.replace("\\n", "\n") for line in text.splitlines() if line.strip() and not line.startswith("#")]


def offers(language: str) -> list[tuple[str, str]]:
    pairs = []
    for line in _lines(f"{language}_offers.txt"):
        rule, _, text = line.partition("|")
        pairs.append((rule.strip(), text.strip()))
    return pairs


def honest(language: str) -> list[str]:
    return [line.strip() for line in _lines(f"{language}_honest.txt")]


OFFER_CASES = [(lang, rule, text) for lang in LANGUAGES for rule, text in offers(lang)]
HONEST_CASES = [(lang, text) for lang in LANGUAGES for text in honest(lang)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_corpus_is_large_enough(language: str) -> None:
    assert len(offers(language)) >= 60
    assert len(honest(language)) >= 60
    rules = {rule for rule, _ in offers(language)}
    assert {"price", "discount", "offer", "call_to_buy", "urgency", "sales_claim", "free_offer", "shop_link"} <= rules


@pytest.mark.parametrize(("language", "rule", "text"), OFFER_CASES)
def test_offer_text_is_flagged_with_its_rule(language: str, rule: str, text: str) -> None:
    findings = scan(text, language)
    assert rule in {f.rule for f in findings}, [str(f) for f in findings]


@pytest.mark.parametrize(("language", "text"), HONEST_CASES)
def test_honest_text_is_clean(language: str, text: str) -> None:
    assert [str(f) for f in scan(text, language)] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_precision_and_recall_are_complete(language: str) -> None:
    flagged_offers = sum(1 for _, text in offers(language) if scan(text, language))
    flagged_honest = sum(1 for text in honest(language) if scan(text, language))
    recall = flagged_offers / len(offers(language))
    precision = flagged_offers / (flagged_offers + flagged_honest)
    assert (precision, recall) == (1.0, 1.0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_corpus_as_one_message_reports_every_offer_line(language: str) -> None:
    """All offers in one text, one per line: each line gets at least one finding on that line."""
    texts = [text.replace("\n", " ") for _, text in offers(language)]
    findings = scan("\n".join(texts), language)
    assert {f.line for f in findings} == set(range(1, len(texts) + 1))


@pytest.mark.parametrize("language", LANGUAGES)
def test_honest_corpus_as_one_message_is_clean(language: str) -> None:
    assert scan("\n\n".join(honest(language)), language) == []


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Jetzt bestellen fuer nur 99 Euro", "price"),
        ("Grosser Ausverkauf heute", "discount"),
        ("Jetzt KOSTENLOS TESTEN", "free_offer"),
        ("Solange der\nVorrat reicht", "urgency"),
        ("Ihr Sonder\u00adangebot", "offer"),
        ("Zum halben Preis f\u00fcr Sie", "discount"),
        ("Jetzt noch bess\u0065\u0072 \u2013 und g\u00fcnstig", "sales_claim"),
        ("Ju\u0308ngst: jetzt noch gu\u0308nstiger", "sales_claim"),
        ("Nur\u00a01.990\u00a0EUR", "price"),
        ("Preis 19,99\u202f\u20ac", "price"),
    ],
)
def test_german_spelling_variants_are_caught(text: str, rule: str) -> None:
    assert rule in {f.rule for f in scan(text, "de")}


@pytest.mark.parametrize(
    "text",
    [
        "Sichern Sie sich gegen Cyberangriffe ab \u2013 unsere Checkliste hilft.",
        "Ihr Vortrag \u00fcber Rabattstrategien war spannend.",
        "Glückwunsch: Ihr Unternehmen wurde für 2,3 Mrd. Dollar bewertet.",
        "Sie sind neu: Willkommen im Team!",
        "Neu-Ulm, 12. März 2026",
        "Die Teilnahme ist kostenlos.",
    ],
)
def test_german_traps_stay_clean(text: str) -> None:
    assert scan(text, "de") == []


@pytest.mark.parametrize(
    "text",
    [
        "I'll order it today.",
        "It was a great deal of fun to work with you.",
        "NEW YORK, NY 10001",
        "Congratulations on the new position at Sales Force Partners.",
        "We raised prices by 10% last year after the funding round.",
    ],
)
def test_english_traps_stay_clean(text: str) -> None:
    assert scan(text, "en") == []


def test_unknown_language_uses_both_rule_sets() -> None:
    text = "Jetzt kaufen!\nBuy now!"
    assert {f.rule for f in scan(text, "fr")} == {"call_to_buy"}
    assert {f.line for f in scan(text, "fr")} == {1, 2}
    # A message in one language is read with the other's rules too: mixed copy hides no offer.
    assert {f.line for f in scan(text, "de")} == {1, 2}
    assert {f.line for f in scan(text, "en")} == {1, 2}
    assert {f.line for f in scan(text, "en-GB")} == {1, 2}


@pytest.mark.parametrize(("text", "rule"), [
    ("Sehr geehrte Frau Müller,\n\nunser Special Offer für Sie: Buy now und sparen Sie!", "call_to_buy"),
    ("Liebe Anna,\n\nShop now – das Angebot gilt nur diese Woche.", "call_to_buy"),
    ("Hallo Jan,\n\nsichern Sie sich jetzt Ihren Free Trial!", "free_offer"),
    ("Sehr geehrter Herr Weber,\n\nunser Limited Offer für Bestandskunden wartet auf Sie.", "offer"),
    ("Dear Ms Miller,\n\nJetzt kaufen und profitieren!", "call_to_buy"),
    ("Dear Mr Smith,\n\nnur heute: unser Sonderangebot für Sie.", "offer"),
])  # fmt: skip
def test_offers_in_the_other_language_are_caught(text: str, rule: str) -> None:
    """German copy with English offers ("Buy now", "Special Offer") passed the German rules untouched."""
    language = "en" if text.startswith("Dear") else "de"
    assert rule in {f.rule for f in scan(text, language)}


@pytest.mark.parametrize("text", [
    "We were sorry to hear the sale of your old company took so long; congratulations on closing it.",
    "Your point-of-sale rollout across 40 stores is impressive.",
    "The sale-leaseback of the headquarters freed capital for the new plant.",
])  # fmt: skip
def test_the_german_loanword_sale_does_not_flag_honest_english(text: str) -> None:
    assert scan(text, "en") == []
