"""Reads the content library (`config/content.toml`, a list of `[[item]]`) into ContentItems.

A marketer edits this file by hand, so every problem names the file, the line of the item or
key and the fix. A bad item is left out and reported; the good ones are still returned, so one
typo does not stop every content drop.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from nurture.domain.content import ContentItem
from nurture.domain.vocabulary import CONTENT_KINDS, LANGUAGES
from nurture.errors import Location, Problem

KEYS = ("id", "title", "url", "kind", "language", "topics", "summary", "valid_until")
_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
_TOPIC = re.compile(r"[a-z0-9][a-z0-9-]*")
_HEADER = re.compile(r"\[\[?\s*([^\]]*?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*=""")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:79] + "…"


def _item_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """For each `[[item]]` in order: the line of its header and the line of each of its keys."""
    items: list[tuple[int, dict[str, int]]] = []
    inside = False
    open_quote = ""
    # TOML ends lines only at LF; str.splitlines() would also split at U+0085 or U+2028 inside a value.
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if open_quote:
            if line.count(open_quote) % 2:
                open_quote = ""
            continue
        if line.startswith("["):
            header = _HEADER.match(line)
            if header:
                inside = line.startswith("[[") and header.group(1).strip().strip("\"'") == "item"
                if inside:
                    items.append((number, {}))
            continue
        found = _KEY.match(line)
        if found and inside:
            items[-1][1].setdefault(found.group(1).strip("\"'"), number)
        rest = line[found.end() :] if found else ""
        for quote in ('"""', "'''"):
            if rest.count(quote) % 2:
                open_quote = quote
    return items


def load_content_library(path: Path) -> tuple[list[ContentItem], list[Problem]]:
    """The valid items, and a problem for each invalid item, duplicate id or unreadable file."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return [], [Problem(Location(shown), "the content library does not exist; create it with "
                                            "[[item]] entries like config/content.toml, or point "
                                            "[paths] content at it")]  # fmt: skip
    except UnicodeDecodeError:
        return [], [Problem(Location(shown), "is not UTF-8 text; save the file as UTF-8")]
    except OSError as exc:
        return [], [Problem(Location(shown), f"cannot be read ({exc.strerror}); check the path and permissions")]
    problems: list[Problem] = []
    try:
        entries = _entries(tomllib.loads(text), text, 0, shown, problems)
    except tomllib.TOMLDecodeError as exc:
        entries = _salvage(text, shown, exc, problems)
    if entries is None:
        return [], problems
    items: list[ContentItem] = []
    first_line: dict[str, int | None] = {}
    for raw, start, key_lines in entries:
        item, item_problems = _item(raw, shown, start, key_lines)
        problems += item_problems
        if item is None:
            continue
        if item.id in first_line:
            where = f" on line {first_line[item.id]}" if first_line[item.id] else ""
            problems.append(Problem(Location(shown, key_lines.get("id", start)),
                                    f'item id = "{item.id}" is used twice (first{where}); give each item its own id'))
            continue
        first_line[item.id] = key_lines.get("id", start)
        items.append(item)
    return items, problems


def _syntax_problem(shown: str, exc: tomllib.TOMLDecodeError, offset: int) -> Problem:
    """A TOML syntax error at its line in the whole file (`offset` lines come before the text parsed)."""
    at = _TOML_AT.search(str(exc))
    line = int(at.group(1)) + offset if at else None
    column = f" at column {at.group(2)}" if at else ""
    return Problem(Location(shown, line), f"this is not valid TOML: {_TOML_AT.sub('', str(exc))}{column}; "
                                          "check the quotes, brackets and `key = value` form of this line")


Entry = tuple[Any, int | None, dict[str, int]]


def _entries(data: dict[str, Any], text: str, offset: int, shown: str, problems: list[Problem]) -> list[Entry] | None:
    """The raw `[[item]]` tables of parsed TOML, each with the line of its header and keys.

    `text` is what was parsed and `offset` the number of lines before it in the file. None when
    `item` is no list of tables (then nothing can be read as items).
    """
    for key in data:
        if key != "item":
            problems.append(Problem(Location(shown), f'unknown entry "{key}"; the content library holds only '
                                                     "[[item]] entries"))  # fmt: skip
    raw_items = data.get("item", [])
    if not isinstance(raw_items, list):
        problems.append(Problem(Location(shown), "item must be a list of [[item]] entries; write [[item]] "
                                                 "(double brackets) above each item"))  # fmt: skip
        return None
    lines = [(start + offset, {k: n + offset for k, n in keys.items()}) for start, keys in _item_lines(text)]
    return [(raw, *(lines[index] if index < len(lines) else (None, {}))) for index, raw in enumerate(raw_items)]


def _salvage(text: str, shown: str, error: tomllib.TOMLDecodeError, problems: list[Problem]) -> list[Entry]:
    """The items of a file with a TOML syntax error, read `[[item]]` by `[[item]]`.

    A typo in one item (an unclosed quote, a date like 2026-13-01) made the whole file unreadable
    and every good item was lost with it; now only the item around the error is left out.
    """
    chunks = text.split("\n")
    starts = [1] + [start for start, _ in _item_lines(text) if start > 1]
    entries: list[Entry] = []
    broken: list[Problem] = []
    for first, end in zip(starts, [*starts[1:], len(chunks) + 1], strict=True):
        part = "\n".join(chunks[first - 1 : end - 1]) + "\n"
        try:
            data = tomllib.loads(part)
        except tomllib.TOMLDecodeError as exc:
            problem = _syntax_problem(shown, exc, first - 1)
            if problem.location.line is None:  # e.g. a string never closed: say where its item starts
                problem = Problem(Location(shown, first), f"this is not valid TOML: {exc}; this [[item]] is "
                                                          "left out: close every quote and bracket in it")  # fmt: skip
            broken.append(problem)
            continue
        entries += _entries(data, part, first - 1, shown, problems) or []
    # No part is broken on its own: the parts clash (a table defined twice); say what TOML said.
    problems[:0] = broken or [_syntax_problem(shown, error, 0)]
    return entries


def _item(raw: Any, shown: str, start: int | None, key_lines: dict[str, int]) -> tuple[ContentItem | None, list[Problem]]:
    """One `[[item]]` checked key by key, so all its problems are reported together."""
    if not isinstance(raw, dict):
        return None, [Problem(Location(shown, start), "is not an [[item]] table; write [[item]] above its keys")]
    problems: list[Problem] = []
    item_id = raw.get("id")
    label = f'item "{item_id}"' if isinstance(item_id, str) and item_id.strip() else "item"

    def bad(key: str, message: str) -> None:
        line = key_lines.get(key, start)
        given = f" = {_shown(raw[key])}" if key in raw else ""
        problems.append(Problem(Location(shown, line), f"{label}: {key}{given} {message}"))

    for key in raw:
        if key not in KEYS:
            bad(key, f"is an unknown key; check the spelling (known keys: {', '.join(KEYS)})")
    if "id" not in raw:
        problems.append(Problem(Location(shown, start),
                                'item has no id; add a line like id = "checklist-onboarding" (lowercase letters, '
                                "digits and dashes; never change it later)"))  # fmt: skip
    elif not isinstance(item_id, str) or not _ID.fullmatch(item_id.strip()):
        bad("id", 'is not a valid id; write lowercase letters, digits and dashes like "checklist-onboarding"')
    for key, example in (("title", "Checkliste: Onboarding"), ("url", "https://example.com/onboarding")):
        value = raw.get(key)
        if key not in raw:
            problems.append(Problem(Location(shown, start), f'{label} has no {key}; add a line like {key} = "{example}"'))
        elif not isinstance(value, str) or not value.strip():
            bad(key, f'is empty or not text; write it like "{example}"')
    if isinstance(raw.get("url"), str) and raw["url"].strip() and not _URL.fullmatch(raw["url"].strip()):
        bad("url", 'is not a web address; write it like "https://example.com/onboarding"')
    kinds = ", ".join(CONTENT_KINDS)
    if "kind" not in raw:
        problems.append(Problem(Location(shown, start), f'{label} has no kind; add a line like kind = "guide" ({kinds})'))
    elif raw["kind"] not in CONTENT_KINDS:
        bad("kind", f"is not a known kind; write one of {kinds}")
    if "language" not in raw:
        problems.append(Problem(Location(shown, start), f'{label} has no language; add a line like language = "de"'))
    elif raw["language"] not in LANGUAGES:
        bad("language", f"is not a known language; write one of {', '.join(LANGUAGES)}")
    topics = raw.get("topics", [])
    if not isinstance(topics, list) or not all(isinstance(t, str) and _TOPIC.fullmatch(t.strip()) for t in topics):
        bad("topics", 'is not a list of topics; write it like ["marketing", "sales"] (lowercase words and dashes)')
    summary = raw.get("summary", "")
    if not isinstance(summary, str):
        bad("summary", 'is not text; write it in quotes like "Zehn Punkte für die ersten Tage."')
    valid_until = raw.get("valid_until")
    if isinstance(valid_until, datetime):
        bad("valid_until", "is a date and time; write the date alone like 2026-12-31")
    elif isinstance(valid_until, str):
        try:
            valid_until = date.fromisoformat(valid_until.strip())
        except ValueError:
            bad("valid_until", "is not a date; write it like 2026-12-31")
    elif valid_until is not None and not isinstance(valid_until, date):
        bad("valid_until", "is not a date; write it like 2026-12-31")
    if problems:
        return None, problems
    return ContentItem(
        id=item_id.strip(),
        title=raw["title"].strip(),
        url=raw["url"].strip(),
        kind=raw["kind"],
        language=raw["language"],
        topics=tuple(t.strip() for t in topics),
        summary=summary.strip(),
        valid_until=valid_until,
        line=start,
    ), []
