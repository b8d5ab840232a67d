"""A cheap test that tells when a rule pattern cannot match a text, so its full search can be skipped.

Most rule patterns are long case-insensitive alternations whose search tries every branch at
every position of the text. Yet every match of such a pattern contains one of a few literal
words ("rabatt", "kaufen", "sale"); when none of them occurs in the text, the pattern cannot
match it. The words are read off the compiled pattern's syntax tree, so they follow the rules
as written. The prefilter only ever answers "cannot match" when that is certain: a pattern it
cannot analyse, or a text whose letters it cannot fold unambiguously, is always searched.

Folding follows the regex engine's own case-insensitive comparison: a text character is
replaced by the one anchor-alphabet character the engine would accept it for, decided by
asking the engine itself (`re.fullmatch` with `re.IGNORECASE`), once per distinct character.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Iterable, Mapping

try:  # the parser the `re` module itself uses; without it every rule is simply searched
    from re import _constants as _sre_c  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python versions
    _sre_parse = None
    _sre_c = None

# Limits that keep the analysis small; beyond them a node counts as "anything".
_MAX_SET = 64
_MAX_LEN = 24
# A folded text containing this character is never prefiltered (an ambiguous fold happened).
_AMBIGUOUS = "\x00"
# Characters whose fold is remembered across texts, at most.
_MAX_TABLE = 50_000

Exact = frozenset[str] | None


def _cross(left: frozenset[str], right: frozenset[str]) -> Exact:
    if len(left) * len(right) > _MAX_SET:
        return None
    out = frozenset(a + b for a in left for b in right)
    if any(len(s) > _MAX_LEN for s in out):
        return None
    return out


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two anchor sets: longer shortest word first, then fewer words."""
    if a is None or not a or min(map(len, a)) == 0:
        return b if b and min(map(len, b)) > 0 else None
    if b is None or not b or min(map(len, b)) == 0:
        return a
    ka, kb = (-min(map(len, a)), len(a)), (-min(map(len, b)), len(b))
    return a if ka <= kb else b


def _charset(items: list[tuple[object, object]]) -> Exact:
    chars: set[str] = set()
    for op, av in items:
        if op is _sre_c.LITERAL:
            chars.add(chr(av))  # type: ignore[arg-type]
        else:
            return None
    return frozenset(chars) if 0 < len(chars) <= _MAX_SET else None


def _node(op: object, av: object) -> tuple[Exact, frozenset[str] | None]:
    """(every string the node can match, if few; a set of words one of which every match contains)."""
    c = _sre_c
    if op is c.LITERAL:
        ch = frozenset({chr(av)})  # type: ignore[arg-type]
        return ch, ch
    if op is c.IN:
        exact = _charset(av)  # type: ignore[arg-type]
        return exact, exact
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        # Zero-width: the match itself contains nothing of it.
        return frozenset({""}), None
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av  # type: ignore[misc]
        if add_flags or del_flags:
            return None, None
        return _seq(sub)
    if op is c.ATOMIC_GROUP:
        return _seq(av)
    if op is c.BRANCH:
        _unused, branches = av  # type: ignore[misc]
        results = [_seq(b) for b in branches]
        exact: Exact = None
        if all(e is not None for e, _f in results):
            union = frozenset().union(*(e for e, _f in results))  # type: ignore[misc]
            exact = union if len(union) <= _MAX_SET else None
        factors: frozenset[str] | None = None
        if all(f is not None and f and min(map(len, f)) > 0 for _e, f in results):
            union = frozenset().union(*(f for _e, f in results))  # type: ignore[misc]
            factors = union if len(union) <= 4 * _MAX_SET else None
        return exact, _better(factors, exact)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", object())):
        low, high, sub = av  # type: ignore[misc]
        if low == 0:
            return None, None
        exact, factors = _seq(sub)
        if low == high == 1:
            return exact, factors
        return None, _better(factors, exact)
    return None, None


def _seq(items: Iterable[tuple[object, object]]) -> tuple[Exact, frozenset[str] | None]:
    run: Exact = frozenset({""})
    whole: Exact = frozenset({""})
    best: frozenset[str] | None = None
    for op, av in items:
        exact, factors = _node(op, av)
        best = _better(best, factors)
        if exact is None:
            best = _better(best, run)
            run = frozenset({""})
            whole = None
            continue
        joined = _cross(run, exact) if run is not None else None
        if joined is None:
            best = _better(best, run)
            run = exact
        else:
            run = joined
        whole = _cross(whole, exact) if whole is not None else None
    best = _better(best, run)
    return whole, _better(best, whole)


def anchors(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Words one of which every non-empty match of `pattern` contains, or None when none are known."""
    if _sre_parse is None or pattern.flags & (re.VERBOSE | re.LOCALE | re.ASCII):
        return None
    try:
        tree = _sre_parse.parse(pattern.pattern, pattern.flags)
        _exact, found = _seq(list(tree))
    except Exception:  # noqa: BLE001 - an unanalysable pattern is simply always searched
        return None
    if not found or min(map(len, found)) == 0:
        return None
    return found


class Folder:
    """Folds texts onto an anchor alphabet the way the regex engine compares case-insensitively."""

    def __init__(self, alphabet: Iterable[str]) -> None:
        reps: list[str] = []
        for ch in sorted(set(alphabet)):
            if ch != _AMBIGUOUS and not any(_same(r, ch) for r in reps):
                reps.append(ch)
        self._reps = reps
        self._probes = [(r, re.compile(re.escape(r), re.IGNORECASE)) for r in reps]
        self._table: dict[int, str] = {}

    def rep(self, ch: str) -> str:
        """The alphabet character `ch` stands for (itself when it matches none)."""
        return chr(self._fold(ord(ch)))

    def _compute(self, code: int) -> str:
        ch = chr(code)
        hits = [r for r, probe in self._probes if probe.fullmatch(ch)]
        return ch if not hits else (hits[0] if len(hits) == 1 else _AMBIGUOUS)

    def _fold(self, code: int) -> int:
        found = self._table.get(code)
        if found is None:
            found = self._compute(code)
            if len(self._table) < _MAX_TABLE:
                self._table[code] = found
        return ord(found)

    def fold(self, text: str) -> str | None:
        """`text` on the alphabet, or None when a character could not be folded unambiguously."""
        table: Mapping[int, str] = self._table
        missing = {ord(ch) for ch in set(text)} - self._table.keys()
        if missing:
            extra: dict[int, str] = {}
            for code in missing:
                found = self._compute(code)
                if len(self._table) < _MAX_TABLE:
                    self._table[code] = found
                else:  # remembered for this text only, so odd input cannot fill the memory
                    extra[code] = found
            if extra:
                table = ChainMap(extra, self._table)
        folded = text.translate(table)
        return None if _AMBIGUOUS in folded else folded


def _same(a: str, b: str) -> bool:
    return bool(re.fullmatch(re.escape(a), b, re.IGNORECASE)) or bool(re.fullmatch(re.escape(b), a, re.IGNORECASE))


_HEAD = r"(?<!\w)(?:"
_TAIL = r")(?!\w)"


def split_alternatives(pattern: re.Pattern[str]) -> list[str] | None:
    """The top-level alternatives of a word-bounded pattern `(?<!\\w)(?:A|B|…)(?!\\w)`, or None for any other shape."""
    source = pattern.pattern
    if not (source.startswith(_HEAD) and source.endswith(_TAIL)):
        return None
    body = source[len(_HEAD) : len(source) - len(_TAIL)]
    parts: list[str] = []
    depth, start, i, n = 0, 0, 0, len(body)
    while i < n:
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            # A character class: `]` right after `[` or `[^` is a member, not the end.
            j = i + 1
            if j < n and body[j] == "^":
                j += 1
            if j < n and body[j] == "]":
                j += 1
            while j < n and body[j] != "]":
                j += 2 if body[j] == "\\" else 1
            if j >= n:
                return None
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    if depth != 0 or i != n:
        return None
    parts.append(body[start:])
    if len(parts) < 2 or "|".join(parts) != body:
        return None
    return parts


def join_alternatives(parts: Iterable[str]) -> str:
    return _HEAD + "|".join(parts) + _TAIL


def _trie_regex(words: Iterable[str]) -> str:
    """A regex matching, at a position, the longest of `words` that starts there."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        alt = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{alt})?" if "" in node else alt

    return build(root)


class AnchorIndex:
    """Finds, in one pass over a folded text, which of a fixed set of words occur in it."""

    def __init__(self, words: Iterable[str]) -> None:
        vocabulary = sorted({w for w in words if w})
        self._finder = re.compile(f"(?=({_trie_regex(vocabulary)}))", re.DOTALL) if vocabulary else None
        # A word found at a position implies every shorter word it starts with.
        self._prefixes = {w: frozenset(v for v in vocabulary if w.startswith(v)) for w in vocabulary}

    def present(self, folded: str) -> set[str]:
        found: set[str] = set()
        if self._finder is None:
            return found
        longest = {m.group(1) for m in self._finder.finditer(folded)}
        for word in longest:
            found |= self._prefixes[word]
        return found
