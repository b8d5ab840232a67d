"""Where findings are reported, how they print and summarise, HTML mode and configured phrases."""

from __future__ import annotations

import pytest

from nurture.domain.guard import GuardFinding, scan, summarise


def test_position_is_line_and_column_of_the_phrase() -> None:
    text = "Liebe Frau Muster,\n\nunser Seminar für nur 1.990 EUR.\nJetzt kaufen!"
    findings = scan(text, "de")
    assert [(f.line, f.col, f.phrase, f.rule) for f in findings] == [
        (3, 15, "für nur 1.990 EUR", "price"),
        (4, 1, "Jetzt kaufen", "call_to_buy"),
    ]


def test_crlf_and_cr_line_endings_count_as_one_line_break() -> None:
    assert [(f.line, f.col) for f in scan("Hallo\r\nGuten Tag\r\n  Jetzt kaufen", "de")] == [(3, 3)]
    assert [(f.line, f.col) for f in scan("Hallo\rJetzt kaufen", "de")] == [(2, 1)]


def test_phrase_spanning_a_line_break_starts_on_its_first_line() -> None:
    findings = scan("Alles Gute, und nur\n1.990 EUR", "de")
    assert [(f.line, f.col, f.phrase) for f in findings] == [(1, 17, "nur 1.990 EUR")]


def test_phrase_is_the_text_as_written() -> None:
    (finding,) = scan("Heute gilt: JETZT   KAUFEN", "de")
    assert finding.phrase == "JETZT   KAUFEN"
    assert finding.col == 13


def test_combining_umlaut_keeps_columns_of_the_source() -> None:
    text = "Gru\u0308\u00dfe \u2013 jetzt kaufen"
    (finding,) = scan(text, "de")
    assert (finding.line, finding.col) == (1, text.index("jetzt") + 1)


def test_findings_are_sorted_by_line_and_column() -> None:
    text = "Letzte Chance!\nJetzt kaufen und 20 % Rabatt\nNur heute: 30 % Rabatt"
    findings = scan(text, "de")
    assert len(findings) >= 4
    assert findings == sorted(findings, key=lambda f: (f.line, f.col))


def test_str_format_is_line_col_phrase_rule() -> None:
    finding = GuardFinding(line=1, col=12, phrase="nur 1.990 EUR", rule="price")
    assert str(finding) == "1:12: nur 1.990 EUR (price)"


def test_scan_finding_prints_like_check_text_expects() -> None:
    assert [str(f) for f in scan("Das Paket: nur 1.990 EUR", "de")] == ["1:12: nur 1.990 EUR (price)"]


def test_summarise_lists_findings_in_one_line() -> None:
    findings = [GuardFinding(1, 12, "nur 1.990 EUR", "price"), GuardFinding(3, 1, "Jetzt kaufen", "call_to_buy")]
    assert summarise(findings) == "offer guard: 1:12: nur 1.990 EUR (price); 3:1: Jetzt kaufen (call_to_buy)"


def test_summarise_cuts_after_the_limit() -> None:
    findings = [GuardFinding(n, 1, f"Rabatt {n}", "discount") for n in range(1, 8)]
    summary = summarise(findings, limit=2)
    assert summary == "offer guard: 1:1: Rabatt 1 (discount); 2:1: Rabatt 2 (discount) and 5 more"
    assert "\n" not in summary
    assert summarise(findings) .endswith("and 2 more")
    assert summarise(findings, limit=0) == "offer guard: 7 findings"
    assert summarise([]) == "offer guard: no findings"


def test_summarise_of_a_real_scan() -> None:
    summary = summarise(scan("Nur heute: jetzt kaufen für 99 €!", "de"))
    assert summary.startswith("offer guard: 1:1: Nur heute (urgency)")
    assert "jetzt kaufen (call_to_buy)" in summary and "99 € (price)" in summary


# --- HTML ---------------------------------------------------------------------------------------------

HTML = (
    "<html><head><title>Jetzt kaufen</title><style>p{color:red}</style></head>\n"
    '<body><p style="font-family:Arial">Liebe Frau M&uuml;ller,</p>\n'
    '<p>nur&nbsp;1.990&nbsp;&euro; &ndash; <b>jetzt</b> <a href="https://x.de/checkout?coupon=A&amp;b=1">kaufen</a>!</p>\n'
    "<!-- Rabatt im Kommentar -->\n"
    '<img alt="Rabatt" src="/shop.png"><p class="Sonderangebot">Zum neuen Job alles Gute!</p>\n'
    '<script>var x = "20% Rabatt";</script>\n'
    "<p>Sonder&shy;angebot &amp; Ra<span>batt</span></p></body></html>"
)


def test_html_mode_reports_visible_text_at_source_positions() -> None:
    findings = scan(HTML, "de", html=True)
    line3 = HTML.splitlines()[2]
    assert [(f.line, f.col, f.phrase, f.rule) for f in findings] == [
        (3, line3.index("nur") + 1, "nur 1.990 €", "price"),
        (3, line3.index("jetzt") + 1, "jetzt kaufen", "call_to_buy"),
        (3, line3.index("/checkout") + 1, "/checkout", "shop_link"),
        (3, line3.index("?coupon=") + 1, "?coupon=", "shop_link"),
        (5, HTML.splitlines()[4].index("Rabatt") + 1, "Rabatt", "discount"),  # the image's alt text
        (7, 4, "Sonderangebot", "offer"),
        (7, HTML.splitlines()[6].index("Ra<span>") + 1, "Rabatt", "discount"),
    ]


def test_html_mode_ignores_tags_attributes_comments_scripts_and_styles() -> None:
    html = (
        '<div class="rabatt-box" data-x="Jetzt kaufen" data-title="Sonderangebot" aria-label="Gutschein">'
        "<!-- nur 99 EUR --><style title='Sonderangebot'>.sale{}</style><script>buy('now')</script>"
        '<img src="/img/rabatt.png" alt="">Zum neuen Job alles Gute!</div>'
    )
    assert scan(html, "de", html=True) == []


@pytest.mark.parametrize("html", [
    '<p title="20 % Rabatt">Hallo Frau Weber,</p>',
    "<img src='banner.png' alt='20&nbsp;% Rabatt'>",
    '<a href="https://beispiel.de/leitfaden" TITLE = "Jetzt kaufen">Leitfaden</a>',
    "<abbr title=Sonderangebot>SA</abbr>",
])  # fmt: skip
def test_alt_and_title_texts_are_read_as_prose(html: str) -> None:
    """A blocked image shows its alt text and a hovered element its title: both reach the reader."""
    (finding,) = scan(html, "de", html=True)
    assert finding.line == 1
    assert html[finding.col - 1 :].replace("&nbsp;", " ").startswith(finding.phrase)


def test_alt_and_title_texts_are_read_on_their_own() -> None:
    """An attribute's words do not run into the text around the tag, nor part it."""
    assert [f.phrase for f in scan('<p>Jetzt <img alt="Team"> kaufen</p>', "de", html=True)] == ["Jetzt kaufen"]
    assert scan('<span title="Jetzt">kaufen</span>', "de", html=True) == []
    assert scan('<img alt="Unser Team beim Sommerfest"><p>Herzlichen Glückwunsch!</p>', "de", html=True) == []


def test_html_entities_are_decoded_before_matching() -> None:
    findings = scan("<p>Jetzt&#32;kaufen &#x26; &quot;Gutschein&quot; f&uuml;r 49&euro;</p>", "de", html=True)
    assert {f.rule for f in findings} == {"call_to_buy", "discount", "price"}
    assert all(f.line == 1 for f in findings)


def test_block_tags_separate_words_and_inline_tags_do_not() -> None:
    assert scan("<p>Jetzt</p><p>kaufen</p>", "de", html=True)[0].phrase == "Jetzt kaufen"
    assert scan("<p>Sonder<b>angebot</b></p>", "de", html=True)[0].rule == "offer"
    assert scan("<td>Preis</td><td>Rabatt</td>", "de", html=True)[0].phrase == "Rabatt"


def test_html_link_targets_are_checked_but_prose_urls_are_not_read_as_words() -> None:
    html = '<p>Ihre Checkliste: <a href="https://beispiel.de/u/sale-Xy9">abmelden</a></p>'
    assert scan(html, "de", html=True) == []
    html = "<p><a href='https://beispiel.de/warenkorb'>Hier</a></p>"
    assert [f.rule for f in scan(html, "de", html=True)] == ["shop_link"]


def test_plain_text_with_html_flag_off_is_not_stripped() -> None:
    assert scan("<b>Rabatt</b>", "de")[0].col == 4
    assert scan("<b>Rabatt</b>", "de", html=True)[0].col == 4


def test_broken_html_is_scanned_as_text() -> None:
    findings = scan('<p>Jetzt kaufen <a href="x', "de", html=True)
    assert [f.phrase for f in findings] == ["Jetzt kaufen"]
    assert scan("a < b und 3 > 2, jetzt kaufen", "de", html=True)[0].phrase == "jetzt kaufen"


# --- configured phrases -------------------------------------------------------------------------------


def test_extra_phrases_are_reported_with_their_own_rule() -> None:
    text = "Unser Premium-Club\nwartet: Wir sind Marktführer."
    findings = scan(text, "de", extra_phrases=["Premium-Club", "marktfuehrer", "  "])
    assert [(f.line, f.col, f.phrase, f.rule) for f in findings] == [
        (1, 7, "Premium-Club", "extra_phrase"),
        (2, 18, "Marktführer", "extra_phrase"),
    ]


def test_extra_phrases_match_whole_words_across_line_breaks() -> None:
    assert scan("Der Club-Vorteil", "de", extra_phrases=["Club"]) != []
    assert scan("Die Clubhouse-App", "de", extra_phrases=["Club"]) == []
    assert scan("Das Prime\nPaket", "de", extra_phrases=["prime paket"])[0].phrase == "Prime Paket"


def test_extra_phrase_with_regex_characters_is_literal() -> None:
    assert scan("Nur (heute) 2x", "de", extra_phrases=["(heute) 2x"])[0].phrase == "(heute) 2x"
    assert scan("Treffen heute 2x", "en", extra_phrases=["(heute) 2x", "a.b"]) == []


def test_allow_phrases_drop_findings_inside_them() -> None:
    text = "Wir sind Partner der Sonderangebot Logistik GmbH. Jetzt kaufen!"
    assert {f.rule for f in scan(text, "de")} == {"offer", "call_to_buy"}
    findings = scan(text, "de", allow_phrases=["Sonderangebot Logistik GmbH"])
    assert [f.rule for f in findings] == ["call_to_buy"]


def test_allow_phrase_must_cover_the_whole_finding() -> None:
    text = "Rabatt-Akademie: 20 % Rabatt"
    findings = scan(text, "de", allow_phrases=["Rabatt-Akademie"])
    assert [(f.col, f.phrase) for f in findings] == [(18, "20 % Rabatt")]


def test_allow_phrases_also_cover_extra_phrases() -> None:
    findings = scan("Club Mitglieder und Club Nord", "de", extra_phrases=["Club"], allow_phrases=["Club Nord"])
    assert [(f.col, f.rule) for f in findings] == [(1, "extra_phrase")]


@pytest.mark.parametrize("bad", [None, 42, "Jetzt kaufen"])
def test_odd_phrase_arguments_do_not_break_the_scan(bad: object) -> None:
    findings = scan("Jetzt kaufen", "de", extra_phrases=bad, allow_phrases=bad)  # type: ignore[arg-type]
    assert all(f.rule != "guard_error" for f in findings)


def test_empty_text_is_clean() -> None:
    assert scan("", "de") == []
    assert scan("", "en", html=True) == []
