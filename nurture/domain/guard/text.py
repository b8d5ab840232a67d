"""Text with a map back to the scanned source, normalised so that spelling tricks do not hide a phrase.

Every character of a `MappedText` remembers the source index it came from, so a finding in the
normalised (or HTML-stripped) text is still reported at the line and column the author sees.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Invisible characters that can split a word without changing how it looks.
_INVISIBLE = frozenset("\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff")
_SPACES = frozenset("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000")
_APOSTROPHES = frozenset("\u2018\u2019\u201b\u02bc\u00b4\u0060\u2032")
_HYPHENS = frozenset("\u2010\u2011")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class MappedText:
    """`text[i]` came from `source[offsets[i]]`; both sequences have the same length."""

    text: str
    offsets: Sequence[int]

    @classmethod
    def identity(cls, text: str) -> MappedText:
        return cls(text, range(len(text)))


# A run of ASCII characters; the regex engine finds its end far faster than a Python loop.
_ASCII_RUN = re.compile(r"[\x00-\x7f]+")
# The normalised form of a lone non-ASCII character (one not followed by a combining mark).
_SINGLE: dict[str, str] = {}
_SINGLE_LIMIT = 4096


def _piece(cluster: str) -> str:
    first = cluster[0]
    if len(cluster) == 1 and first < "\x80":
        return first
    if first in _INVISIBLE and len(cluster) == 1:
        return ""
    if first in _SPACES:
        return " "
    if first in _APOSTROPHES:
        return "'"
    if first in _HYPHENS:
        return "-"
    piece = unicodedata.normalize("NFKC", cluster)
    return "".join(ch for ch in piece if ch not in _INVISIBLE)


def normalise(mapped: MappedText) -> MappedText:
    """NFKC per character cluster, invisible characters dropped, odd spaces, apostrophes and hyphens unified."""
    src = mapped.text
    if src.isascii():
        # Every cluster is a single ASCII character, which is kept as it is.
        return MappedText(src, mapped.offsets)
    out_offs: list[int] = []
    return MappedText(_normalised(src, mapped.offsets, out_offs), out_offs)


def normalised_text(text: str) -> str:
    """The text of `normalise(MappedText.identity(text))`, without working out where each character came from."""
    return text if text.isascii() else _normalised(text, None, None)


def _normalised(src: str, offs: Sequence[int] | None, out_offs: list[int] | None) -> str:
    out: list[str] = []
    n = len(src)
    i = 0
    combining = unicodedata.combining
    while i < n:
        if src[i] < "\x80":
            run = _ASCII_RUN.match(src, i)
            end = run.end() if run else i + 1
            # The last ASCII character starts a cluster of its own when a combining mark follows.
            if end < n and combining(src[end]):
                end -= 1
            if end > i:
                out.append(src[i:end])
                if out_offs is not None and offs is not None:
                    out_offs.extend(offs[i:end])
                i = end
                continue
        j = i + 1
        while j < n and combining(src[j]):
            j += 1
        if j == i + 1:
            cluster = src[i]
            piece = _SINGLE.get(cluster)
            if piece is None:
                piece = _piece(cluster)
                if len(_SINGLE) < _SINGLE_LIMIT:
                    _SINGLE[cluster] = piece
        else:
            piece = _piece(src[i:j])
        if piece:
            out.append(piece)
            if out_offs is not None and offs is not None:
                out_offs.extend([offs[i]] * len(piece))
        i = j
    return "".join(out)


class LineIndex:
    """Turns a source index into a 1-based (line, column); CRLF, CR and LF all end a line."""

    def __init__(self, source: str) -> None:
        self._starts = [0] + [m.end() for m in _LINE_BREAK.finditer(source)]

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, index) - 1
        return line + 1, index - self._starts[line] + 1
