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


def normalise(mapped: MappedText) -> MappedText:
    """NFKC per character cluster, invisible characters dropped, odd spaces, apostrophes and hyphens unified."""
    src = mapped.text
    offs = mapped.offsets
    out: list[str] = []
    out_offs: list[int] = []
    n = len(src)
    i = 0
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(src[j]):
            j += 1
        cluster = src[i:j]
        first = cluster[0]
        if j == i + 1 and first < "\x80":
            piece = first
        elif first in _INVISIBLE and j == i + 1:
            piece = ""
        elif first in _SPACES:
            piece = " "
        elif first in _APOSTROPHES:
            piece = "'"
        elif first in _HYPHENS:
            piece = "-"
        else:
            piece = unicodedata.normalize("NFKC", cluster)
            piece = "".join(ch for ch in piece if ch not in _INVISIBLE)
        origin = offs[i]
        out.extend(piece)
        out_offs.extend([origin] * len(piece))
        i = j
    return MappedText("".join(out), out_offs)


class LineIndex:
    """Turns a source index into a 1-based (line, column); CRLF, CR and LF all end a line."""

    def __init__(self, source: str) -> None:
        self._starts = [0] + [m.end() for m in _LINE_BREAK.finditer(source)]

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, index) - 1
        return line + 1, index - self._starts[line] + 1
