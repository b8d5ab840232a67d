"""The content library: the shipped one is clean and useful; each bad item is reported with its line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from nurture.adapters.content_library import load_content_library
from nurture.domain.guard import scan
from nurture.domain.vocabulary import CONTENT_KINDS

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "config" / "content.toml"
VOCABULARY = {"marketing", "sales", "leadership", "it-security", "hr", "finance", "sustainability", "data"}


def test_shipped_library_is_clean_and_useful() -> None:
    items, problems = load_content_library(SHIPPED)
    assert problems == []
    assert len(items) >= 14
    assert {i.language for i in items} == {"de", "en"}
    assert {i.kind for i in items} == set(CONTENT_KINDS)
    assert len({i.id for i in items}) == len(items)
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    for item in items:
        assert item.url.startswith("https://example.com/")
        assert item.title and item.summary and item.topics
        assert set(item.topics) <= VOCABULARY, item.id
        assert item.line is not None and lines[item.line - 1] == "[[item]]"
        assert lines[item.line] == f'id = "{item.id}"'
        assert scan(f"{item.title}\n{item.summary}", item.language) == [], item.id


BROKEN = """\
# a library with mistakes
[[item]]
id = "good-one"
title = "Checkliste"
url = "https://example.com/a"
kind = "checklist"
language = "de"
topics = ["sales"]
summary = "Gut."
valid_until = "2027-03-31"

[[item]]
title = "Ohne Kennung"
url = "https://example.com/b"
kind = "guide"
language = "de"

[[item]]
id = "good-one"
title = "Doppelt"
url = "https://example.com/c"
kind = "video"
language = "en"

[[item]]
id = "podcast-1"
title = "Podcast"
url = "https://example.com/d"
kind = "podcast"
language = "en"

[[item]]
id = "dated"
title = "Mit Datum"
url = "https://example.com/e"
kind = "ebook"
language = "de"
valid_until = "31.12.2026"

[[item]]
id = "typo"
title = "Tippfehler"
link = "https://example.com/f"
kind = "article"
language = "fr"

[[item]]
id = "second-good"
title = "Template"
url = "https://example.com/g"
kind = "template"
language = "en"
valid_until = 2026-12-31
"""


def line(text: str, needle: str, occurrence: int = 1) -> int:
    numbers = [n for n, content in enumerate(text.splitlines(), start=1) if content == needle]
    return numbers[occurrence - 1]


def test_bad_items_are_reported_with_their_lines_and_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "content.toml"
    path.write_text(BROKEN, encoding="utf-8")
    items, problems = load_content_library(path)
    assert [i.id for i in items] == ["good-one", "second-good"]
    assert items[0].valid_until == date(2027, 3, 31) and items[0].line == 2 and items[0].topics == ("sales",)
    assert items[1].valid_until == date(2026, 12, 31)
    p = str(path)
    at = {
        'dup': line(BROKEN, 'id = "good-one"', 2),
        'kind': line(BROKEN, 'kind = "podcast"'),
        'date': line(BROKEN, 'valid_until = "31.12.2026"'),
        'link': line(BROKEN, 'link = "https://example.com/f"'),
        'lang': line(BROKEN, 'language = "fr"'),
    }
    assert [str(x) for x in problems] == [
        f'{p}:{line(BROKEN, "[[item]]", 2)}: item has no id; add a line like id = "checklist-onboarding" '
        "(lowercase letters, digits and dashes; never change it later)",
        f'{p}:{at["dup"]}: item id = "good-one" is used twice (first on line 3); '
        "give each item its own id",
        f'{p}:{at["kind"]}: item "podcast-1": kind = "podcast" is not a known kind; '
        "write one of checklist, guide, video, template, ebook, article",
        f'{p}:{at["date"]}: item "dated": valid_until = "31.12.2026" is not a date; '
        "write it like 2026-12-31",
        f'{p}:{at["link"]}: item "typo": link = "https://example.com/f" is an '
        "unknown key; check the spelling (known keys: id, title, url, kind, language, topics, summary, valid_until)",
        f'{p}:{line(BROKEN, "[[item]]", 6)}: item "typo" has no url; add a line like url = "https://example.com/onboarding"',
        f'{p}:{at["lang"]}: item "typo": language = "fr" is not a known language; write one of de, en',
    ]


def test_syntax_error_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "content.toml"
    path.write_text('[[item]]\nid = "a"\ntitle = "unterminated\n', encoding="utf-8")
    items, problems = load_content_library(path)
    assert items == [] and len(problems) == 1
    assert problems[0].location.line == 3 and "not valid TOML" in problems[0].message
    items, problems = load_content_library(tmp_path / "missing.toml")
    assert items == [] and len(problems) == 1
    assert str(problems[0]).startswith(f"{tmp_path / 'missing.toml'}: the content library does not exist")


def test_a_line_separator_inside_a_value_does_not_shift_line_numbers(tmp_path: Path) -> None:
    """TOML ends lines at LF only; U+2028 or U+0085 inside a summary must not move later problems."""
    text = BROKEN.replace('summary = "Gut."', 'summary = "Gut.\u2028Sehr gut.\u0085Bestens."')
    path = tmp_path / "content.toml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_content_library(path)
    shown = "\n".join(str(p) for p in problems)
    podcast, link = line(BROKEN, 'kind = "podcast"'), line(BROKEN, 'link = "https://example.com/f"')
    assert f"content.toml:{podcast}:" in shown, shown
    assert f"content.toml:{link}:" in shown, shown
