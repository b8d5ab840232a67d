"""Property tests: the guard never raises and its findings always point into the scanned text."""

from __future__ import annotations

import importlib
import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from nurture.domain.guard import scan, summarise
from nurture.domain.guard.text import LineIndex

WORDS = st.sampled_from(
    ["Jetzt", "kaufen", "nur", "1.990", "EUR", "€", "$", "20", "%", "Rabatt", "neu", "!", ":", "NEU", "\n", "\r\n",
     " ", "&amp;", "&#x26;", "<p>", "</p>", "<a href='/shop?coupon=1'>", "</a>", "<img alt='", "' title=", "'>", "<!--", "-->", "<script>", "ü",
     "u\u0308", "\u00ad", "\u200b", "https://x.de/checkout", "Sonderangebot", "free", "trial", "-", ",-", "Mio.",
     "ab", "per", "month", "Glückwunsch", "neuen", "Job", "\u202f", "ß", "ẞ", "İ", "\U0001F600", "\x00"]
)  # fmt: skip
TEXTS = st.one_of(st.text(), st.lists(WORDS, max_size=40).map("".join))
LANGS = st.sampled_from(["de", "en", "", "fr", "DE", "en_US", "x-?"])


@settings(max_examples=400, deadline=None)
@given(TEXTS, LANGS, st.booleans(), st.lists(st.text(max_size=12), max_size=3), st.lists(st.text(max_size=12), max_size=3))
def test_scan_never_raises_and_findings_point_into_the_text(
    text: str, language: str, html: bool, extra: list[str], allow: list[str]
) -> None:
    findings = scan(text, language, html=html, extra_phrases=extra, allow_phrases=allow)
    assert findings == sorted(findings, key=lambda f: (f.line, f.col))
    starts = LineIndex(text)._starts
    for f in findings:
        assert f.rule != "guard_error"
        assert 1 <= f.line <= len(starts)
        assert 1 <= f.col <= len(text) - starts[f.line - 1] + 1
        assert f.phrase and "\n" not in f.phrase and "\r" not in f.phrase
        assert str(f).startswith(f"{f.line}:{f.col}: ")
    summary = summarise(findings)
    assert summary.startswith("offer guard: ") and "\n" not in summary.replace("\r", "")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_a_known_offer_is_found_wherever_it_is_embedded(prefix: str) -> None:
    text = prefix + "\n\nJetzt kaufen\n"
    at = text.rindex("Jetzt kaufen")
    line = len(re.split(r"\r\n|\r|\n", text[:at]))
    findings = scan(text, "de")
    assert any(f.rule == "call_to_buy" and f.line == line and f.col == 1 for f in findings)


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["1", "a-", "www.", "x.", "a@b.", "<a href='", "&#", "Jetzt ", "€", "<!--"]))
def test_pathological_input_is_scanned_in_reasonable_time(unit: str) -> None:
    """Long runs of number, URL, address or tag fragments must not make a regex backtrack for ages."""
    text = unit * (20000 // len(unit))
    started = time.perf_counter()
    scan(text, "de")
    scan(text, "en", html=True)
    assert time.perf_counter() - started < 5


LINK_PIECES = st.sampled_from(
    ["http://", "https://", "HTTPS://", "ftp://", "www.", "WWW.", ".de", ".com", ".co", ".shop", ".DE", "ſhop", ".uk",
     "@", "a@b.de", "x.y@z.com", "example", "müller", "/path?x=1", "coupon", "\u00a0", "\u2003", " ", "\n", "\t",
     "<", ">", '"', "'", "`", ".", "-", "_", "+", ",", "!", "ä", "K", "€", "10", "\x1c", "\x85", "..", "@@",
     "https://example.com/a.b?c=d", "mail.example.co.uk/x", "-@-.de"]
)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.text(), st.lists(LINK_PIECES, max_size=30).map("".join)))
def test_links_are_found_as_a_search_of_the_whole_text_finds_them(text: str) -> None:
    """The guard looks for URLs and addresses only around their hints; it must find what a plain search finds."""
    module = importlib.import_module("nurture.domain.guard.scan")  # the package's `scan` is the function
    expected: list[tuple[int, int]] = []
    if "@" in text:
        expected += [(m.start(), m.end()) for m in module._EMAIL.finditer(text)]
    for m in module._URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in module._TRAILING_PUNCT:
            end -= 1
        if not any(s <= m.start() < e for s, e in expected):
            expected.append((m.start(), end))
    assert module._spans(text) == sorted(expected)


@settings(max_examples=1500, deadline=None)
@given(TEXTS, LANGS, st.booleans(), st.lists(st.text(max_size=12), max_size=2), st.lists(st.text(max_size=12), max_size=2))
def test_the_quick_clean_check_agrees_with_the_findings(
    text: str, language: str, html: bool, extra: list[str], allow: list[str]
) -> None:
    """A clean text is told without mapping positions; the plain texts must be exactly the mapped ones."""
    from nurture.domain.guard.html_text import html_plain_text, html_to_text
    from nurture.domain.guard.text import MappedText, normalise, normalised_text

    module = importlib.import_module("nurture.domain.guard.scan")
    assert normalised_text(text) == normalise(MappedText.identity(text)).text
    parsed = html_to_text(text)
    assert html_plain_text(text) == (
        parsed.text.text, tuple(link.text for link in parsed.links), tuple(shown.text for shown in parsed.shown)
    )
    extra_patterns, allow_patterns = module._patterns(tuple(extra)), module._patterns(tuple(allow))
    found = module._findings(text, language, html, extra_patterns, allow_patterns)
    assert module._clean(text, language, html, extra_patterns, allow_patterns) == (not found)
