"""The content library by hand: a syntax error loses only its own item, and every problem has a line."""

from __future__ import annotations

from pathlib import Path

from nurture.adapters.content_library import load_content_library


def item(item_id: str, *extra: str) -> str:
    lines = [f'id = "{item_id}"', 'title = "Checkliste"', f'url = "https://example.com/{item_id}"',
             'kind = "checklist"', 'language = "de"', 'topics = ["sales"]', 'summary = "Kurz."', *extra]  # fmt: skip
    return "[[item]]\n" + "\n".join(lines) + "\n\n"


def load(tmp_path: Path, text: str, encoding: str = "utf-8") -> tuple[list[str], list[str]]:
    path = tmp_path / "content.toml"
    path.write_bytes(text.encode(encoding))
    items, problems = load_content_library(path)
    return [i.id for i in items], [str(p).removeprefix(f"{path}:") for p in problems]


def line_of(text: str, needle: str) -> int:
    return text.split("\n").index(needle) + 1


def test_a_syntax_error_in_one_item_keeps_the_others(tmp_path: Path) -> None:
    """An impossible date in one item made the whole file unreadable: every content drop stopped."""
    text = "# library\n" + item("first") + item("broken", "valid_until = 2026-13-01") + item("third")
    ids, problems = load(tmp_path, text)
    assert ids == ["first", "third"]
    assert len(problems) == 1
    assert problems[0].startswith(f"{line_of(text, 'valid_until = 2026-13-01')}: this is not valid TOML")


def test_an_unclosed_quote_is_reported_at_its_line_with_the_rest_still_checked(tmp_path: Path) -> None:
    text = item("first") + item("second").replace('title = "Checkliste"', 'title = "Checkliste') + item(
        "third", 'kind = "podcast"'
    ).replace('kind = "checklist"\n', "")
    ids, problems = load(tmp_path, text)
    assert ids == ["first"]
    unclosed, podcast = line_of(text, 'title = "Checkliste'), line_of(text, 'kind = "podcast"')
    assert problems[0].startswith(f"{unclosed}: this is not valid TOML")
    # The next item's own mistake is reported in the same run, not only after the first fix.
    assert problems[1] == (f'{podcast}: item "third": kind = "podcast" is not a known kind; write one of '
                           "checklist, guide, video, template, ebook, article")  # fmt: skip


def test_an_unclosed_multiline_string_names_the_line_of_its_item(tmp_path: Path) -> None:
    """tomllib says only "at end of document": the problem had no line at all."""
    broken = item("second").replace('summary = "Kurz."', 'summary = """Kurz.')
    text = item("first") + broken + item("third")
    ids, problems = load(tmp_path, text)
    assert ids == ["first"]
    assert len(problems) == 1
    start = text.split("\n").index("[[item]]", 2) + 1
    assert problems[0].startswith(f"{start}: this is not valid TOML: Unterminated string")
    assert "this [[item]] is left out" in problems[0]


def test_a_broken_line_before_the_first_item_keeps_every_item(tmp_path: Path) -> None:
    text = "# library\ntitle = \n" + item("first") + item("second")
    ids, problems = load(tmp_path, text)
    assert ids == ["first", "second"]
    assert len(problems) == 1 and problems[0].startswith("2: this is not valid TOML")


def test_a_clash_between_items_is_still_reported(tmp_path: Path) -> None:
    """Each part reads on its own, but the whole does not (a table written twice): TOML's message stands."""
    text = item("first") + "[extra]\na = 1\n" + item("second") + "[extra]\nb = 2\n"
    ids, problems = load(tmp_path, text)
    assert ids == ["first", "second"]
    assert problems[0].startswith(f"{len(text.split(chr(10))) - 2}: this is not valid TOML")
    assert any('unknown entry "extra"' in p for p in problems[1:])


def test_bom_crlf_and_empty_files(tmp_path: Path) -> None:
    text = item("first") + item("first") + item("second").replace('language = "de"', 'language = "DE"')
    ids, problems = load(tmp_path, "\ufeff" + text.replace("\n", "\r\n"))
    assert ids == ["first"]
    second_id = text.split("\n").index('id = "first"', 2) + 1
    assert problems[0] == f'{second_id}: item id = "first" is used twice (first on line 2); give each item its own id'
    language = line_of(text, 'language = "DE"')
    assert problems[1].startswith(f'{language}: item "second": language = "DE" is not a known language')
    assert load(tmp_path, "") == ([], [])
    assert load(tmp_path, "\ufeff# nothing yet\n") == ([], [])
