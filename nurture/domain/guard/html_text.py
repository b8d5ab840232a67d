"""The visible text of an HTML body and its link targets, each character mapped to its source index.

The guard judges what the reader sees and where a click leads: tag names, styles, scripts and
comments are skipped, entities are decoded, and `href` values are returned separately so that
shop and coupon links are caught without treating every URL as prose.

Two attributes are text the reader sees as well: `alt` (shown in place of an image, and mail
clients block images by default) and `title` (shown as a tooltip). Their values are returned as
texts of their own, to be read as prose: `<img alt="20 % Rabatt">` is an offer like any other.
They are not spliced into the running text, so they neither join nor part its words.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from nurture.domain.guard.text import MappedText

_TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_DECLARATION = re.compile(r"<![^>]*>|<\?[^>]*>")
_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{0,31});?")
_HREF = re.compile(r"""(?:^|\s)(?:href|action)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
# Attributes whose value a mail client shows: alternative text of an image, a tooltip.
_SHOWN = re.compile(r"""(?:^|\s)(?:alt|title)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
# A longer "tag" is treated as text; this bounds the work an unterminated quote can cause.
_MAX_TAG = 4096
# Content of these elements is never shown in a mail client's message view.
_HIDDEN = frozenset({"script", "style", "head", "title", "template"})
# Tags that do not break a word: "Ra<b>batt</b>" still reads "Rabatt".
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark",
     "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr"}
)  # fmt: skip


@dataclass(frozen=True)
class HtmlText:
    """Visible text, link targets and alt/title texts, all mapped to indices of the HTML source."""

    text: MappedText
    links: tuple[MappedText, ...]
    # `alt` and `title` values, each a text of its own (see the module docstring).
    shown: tuple[MappedText, ...] = ()


def _decode(source: str, start: int, end: int, chars: list[str], offsets: list[int] | None) -> None:
    """Append source[start:end] with character references decoded, each output char mapped back.

    `chars` collects pieces of text; together they hold exactly one character per entry of
    `offsets` (None: where the characters came from is not wanted).
    """
    pos = start
    if "&" in source[start:end]:
        for m in _ENTITY.finditer(source, start, end):
            if m.start() > pos:
                chars.append(source[pos : m.start()])
                if offsets is not None:
                    offsets.extend(range(pos, m.start()))
            raw = m.group()
            decoded = html.unescape(raw)
            if decoded == raw:
                chars.append(raw)
                if offsets is not None:
                    offsets.extend(range(m.start(), m.end()))
            else:
                chars.append(decoded)
                if offsets is not None:
                    offsets.extend([m.start()] * len(decoded))
            pos = m.end()
    if end > pos:
        chars.append(source[pos:end])
        if offsets is not None:
            offsets.extend(range(pos, end))


def _values(
    pattern: re.Pattern[str], source: str, attr_start: int, attrs: str, mapped: bool
) -> list[MappedText] | list[str]:
    """The decoded, non-empty values of the attributes `pattern` finds in a tag's attribute text."""
    found: list = []
    for m in pattern.finditer(attrs):
        group = next(g for g in (1, 2, 3) if m.group(g) is not None)
        chars: list[str] = []
        offsets: list[int] | None = [] if mapped else None
        _decode(source, attr_start + m.start(group), attr_start + m.end(group), chars, offsets)
        text = "".join(chars)
        if offsets:
            found.append(MappedText(text, offsets))
        elif not mapped and text:
            found.append(text)
    return found


def html_to_text(source: str) -> HtmlText:
    """Strip tags, comments and hidden elements; decode entities; collect link targets and alt/title texts."""
    offsets: list[int] = []
    text, links, shown = _walk(source, offsets)
    return HtmlText(MappedText(text, offsets), tuple(links), tuple(shown))


def html_plain_text(source: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Visible text, link targets and alt/title texts as `html_to_text` finds them, without positions."""
    text, links, shown = _walk(source, None)
    return text, tuple(links), tuple(shown)


def _walk(source: str, offsets: list[int] | None) -> tuple[str, list, list]:
    chars: list[str] = []
    links: list = []
    shown: list = []
    mapped = offsets is not None
    n = len(source)
    pos = 0
    while pos < n:
        lt = source.find("<", pos)
        if lt < 0:
            _decode(source, pos, n, chars, offsets)
            break
        _decode(source, pos, lt, chars, offsets)
        if source.startswith("<!--", lt):
            close = source.find("-->", lt + 4)
            pos = n if close < 0 else close + 3
            continue
        decl = _DECLARATION.match(source, lt) if source.startswith(("<!", "<?"), lt) else None
        if decl:
            pos = decl.end()
            continue
        tag = _TAG.match(source, lt, min(n, lt + _MAX_TAG))
        if tag is None:
            chars.append("<")
            if offsets is not None:
                offsets.append(lt)
            pos = lt + 1
            continue
        closing, name = tag.group(1), tag.group(2).lower()
        pos = tag.end()
        if not closing:
            if "=" in tag.group(3):  # no link target or attribute text without one
                links.extend(_values(_HREF, source, tag.start(3), tag.group(3), mapped))
                if name not in _HIDDEN:
                    shown.extend(_values(_SHOWN, source, tag.start(3), tag.group(3), mapped))
            if name in _HIDDEN and not tag.group(3).rstrip().endswith("/"):
                end = re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE).search(source, pos)
                pos = n if end is None else end.end()
        if name not in _INLINE and not (chars and chars[-1] == "\n"):
            # One line break for a run of block tags ("</p><p>"): a blank line would part the words
            # for the rules (see rules._GAP), and a layout split must not hide an offer.
            chars.append("\n")
            if offsets is not None:
                offsets.append(lt)
    return "".join(chars), links, shown
