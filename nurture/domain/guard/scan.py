"""The offer guard: find prices, discounts, calls to buy and pushy B2C phrases in a text or HTML body.

Prose and links are judged differently. URLs and e-mail addresses in the prose are blanked
before the phrase rules run (a random unsubscribe token must not read as "sale"), and are
checked by the link rules instead (`/checkout`, `?coupon=`), as are `href` targets in HTML.
In HTML the prose is the visible text plus each `alt` and `title` value (a blocked image's
text, a tooltip), every one read on its own.
The guard fails closed: should a rule ever break, the text gets a finding rather than a pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nurture.domain.guard.findings import GuardFinding
from nurture.domain.guard.html_text import html_plain_text, html_to_text
from nurture.domain.guard.prefilter import AnchorIndex, Folder, anchors, join_alternatives, split_alternatives
from nurture.domain.guard.rules import (
    COMMON_RULES,
    DE_RULES,
    EN_RULES,
    URL_RULES,
    Rule,
    phrase_pattern,
    rules_for,
)
from nurture.domain.guard.text import LineIndex, MappedText, normalise, normalised_text

_TRAILING_PUNCT = ".,;:!?)]}'\"»“”"
_URL = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>\"'`]+"
    r"|(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:de|com|net|org|at|ch|eu|io|info|biz|shop|store|uk|us|co)"
    r"(?:/[^\s<>\"'`]*)?(?![\w@-])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    rule: str


@dataclass(frozen=True)
class _Space:
    """One text the rules run over: the prose of a message, or one link target."""

    mapped: MappedText
    prose: bool


# A URL or address never contains one of these; each lies inside one run of other characters.
_DELIMITERS = "<>\"'`"
_TOKEN_REST = re.compile(r"[^\s<>\"'`]*")
_AT = re.compile("@")
# Every URL match contains one of these (the scheme, "www." or the dot before the domain ending).
_URL_HINT = re.compile(
    r"https?://|ftp://|www\.|\.(?:de|com|net|org|at|ch|eu|io|info|biz|shop|store|uk|us|co)", re.IGNORECASE
)


def _runs_with(text: str, hits: Iterable[int]) -> list[tuple[int, int]]:
    """The runs of non-delimiter characters that contain one of the positions `hits` (ascending)."""
    runs: list[tuple[int, int]] = []
    end = -1
    for at in hits:
        if at < end:
            continue  # inside the run found last
        start = at
        while start > 0 and not (text[start - 1].isspace() or text[start - 1] in _DELIMITERS):
            start -= 1
        end = _TOKEN_REST.match(text, at).end()
        runs.append((start, end))
    return runs


def _spans(text: str) -> list[tuple[int, int]]:
    """URLs and e-mail addresses in `text`.

    Both patterns are searched only in the runs of characters (between whitespace and quotes
    or angle brackets) that contain an "@" or a hint of a URL: a match cannot cross such a
    character, so this finds exactly what a search of the whole text finds, without trying
    the patterns at every position of the prose.
    """
    spans: list[tuple[int, int]] = []
    if "@" in text:  # every address has one; the search is skipped for texts without
        for start, stop in _runs_with(text, (m.start() for m in _AT.finditer(text))):
            for m in _EMAIL.finditer(text, start, stop):
                spans.append((m.start(), m.end()))
    for start, stop in _runs_with(text, (m.start() for m in _URL_HINT.finditer(text))):
        for m in _URL.finditer(text, start, stop):
            end = m.end()
            while end > m.start() and text[end - 1] in _TRAILING_PUNCT:
                end -= 1
            if not any(s <= m.start() < e for s, e in spans):
                spans.append((m.start(), end))
    return sorted(spans)


_NOT_LINE_BREAK = re.compile(r"[^\r\n]")


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in spans:
        # Spans may overlap (an address inside a URL); blanking twice changes nothing.
        start = max(start, pos)
        if end <= start:
            continue
        parts.append(text[pos:start])
        parts.append(_NOT_LINE_BREAK.sub(" ", text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


# For each rule: the words one of which every match contains (None: unknown, always searched);
# whether they compare case-insensitively (on the folded text) or as written; and, for a
# word-bounded alternation, each alternative with its own words. An alternative none of whose
# words occurs in a text cannot match anywhere in it, so leaving it out of the alternation
# changes no match: at every position the first alternative that succeeds is still the same.
_Alternatives = tuple[tuple[str, frozenset[str] | None], ...]


@dataclass(frozen=True)
class _Prepared:
    index: int
    rule: Rule
    words: frozenset[str] | None
    ci: bool
    alternatives: _Alternatives | None


def _fold_words(folder: Folder, words: frozenset[str] | None) -> frozenset[str] | None:
    if not words:
        return None
    folded = [folder.fold(w) for w in words]
    return None if any(w is None for w in folded) else frozenset(folded)  # type: ignore[arg-type]


def _prepare(rules: Sequence[Rule]) -> tuple[tuple[_Prepared, ...], Folder, AnchorIndex]:
    raw = []
    for rule in rules:
        ci = bool(rule.pattern.flags & re.IGNORECASE)
        alternatives = None
        parts = split_alternatives(rule.pattern) if ci else None
        if parts is not None:
            try:
                alternatives = [(part, anchors(re.compile(f"(?:{part})", rule.pattern.flags))) for part in parts]
            except re.error:
                alternatives = None
        raw.append((rule, anchors(rule.pattern), ci, alternatives))
    alphabet = [
        ch
        for _rule, words, ci, alternatives in raw
        if ci
        for group in [words or ()] + [a or () for _p, a in alternatives or ()]
        for word in group
        for ch in word
    ]
    folder = Folder(alphabet)
    prepared: list[_Prepared] = []
    for index, (rule, words, ci, alternatives) in enumerate(raw):
        folded_alts = None
        if alternatives is not None:
            folded_alts = tuple((part, _fold_words(folder, a)) for part, a in alternatives)
        prepared.append(_Prepared(index, rule, _fold_words(folder, words) if ci else words, ci, folded_alts))
    vocabulary = {
        w
        for p in prepared
        if p.ci
        for group in [p.words or frozenset()] + [a or frozenset() for _part, a in p.alternatives or ()]
        for w in group
    }
    return tuple(prepared), folder, AnchorIndex(vocabulary)


@dataclass(frozen=True)
class _Tables:
    rules: tuple[_Prepared, ...]
    folder: Folder
    index: AnchorIndex
    by_rule: dict[int, _Prepared]
    # word -> the (rule, alternative) pairs it may let match; per rule, the alternatives without words.
    word_alternatives: dict[str, tuple[tuple[int, int], ...]]
    always: dict[int, frozenset[int]]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """Built on first use (a few hundred milliseconds), not at import."""
    rules, folder, index = _prepare(COMMON_RULES + DE_RULES + EN_RULES + URL_RULES)
    word_alternatives: dict[str, list[tuple[int, int]]] = {}
    always: dict[int, frozenset[int]] = {}
    for p in rules:
        for i, (_part, words) in enumerate(p.alternatives or ()):
            for w in words or ():
                word_alternatives.setdefault(w, []).append((p.index, i))
        always[p.index] = frozenset(i for i, (_part, words) in enumerate(p.alternatives or ()) if words is None)
    return _Tables(
        rules,
        folder,
        index,
        {id(p.rule): p for p in rules},
        {w: tuple(pairs) for w, pairs in word_alternatives.items()},
        always,
    )


@lru_cache(maxsize=64)
def _rules(language: str) -> tuple[_Prepared | Rule, ...]:
    by_rule = _tables().by_rule
    return tuple(by_rule.get(id(rule), rule) for rule in rules_for(language))


@lru_cache(maxsize=4096)
def _subset(index: int, keep: tuple[int, ...]) -> re.Pattern[str]:
    prepared = _tables().rules[index]
    parts = prepared.alternatives or ()
    return re.compile(join_alternatives(parts[i][0] for i in keep), prepared.rule.pattern.flags)


def _pattern_for(
    p: _Prepared, text: str, present: set[str] | None, marked: dict[int, set[int]], always: frozenset[int]
) -> re.Pattern[str] | None:
    """The pattern to search `text` with for this rule, None when the rule cannot match it.

    `marked` holds, per rule, the alternatives one of whose words is `present` in the text.
    """
    if not p.ci:
        if p.words is not None and not any(w in text for w in p.words):
            return None
        return p.rule.pattern
    if present is None:
        return p.rule.pattern
    if p.words is not None and p.words.isdisjoint(present):
        return None
    if p.alternatives is None:
        return p.rule.pattern
    keep = tuple(sorted(marked.get(p.index, set()) | always))
    if not keep:
        return None
    if len(keep) == len(p.alternatives):
        return p.rule.pattern
    return _subset(p.index, keep)


def _rule_hits(text: str, language: str) -> list[_Hit]:
    hits: list[_Hit] = []
    tables = _tables()
    folded = tables.folder.fold(text)
    present = tables.index.present(folded) if folded is not None else None
    marked: dict[int, set[int]] = {}
    for word in present or ():
        for rule_index, alternative in tables.word_alternatives.get(word, ()):
            marked.setdefault(rule_index, set()).add(alternative)
    for p in _rules(language):
        if isinstance(p, _Prepared):
            rule = p.rule
            pattern = _pattern_for(p, text, present, marked, tables.always[p.index])
            if pattern is None:
                continue
        else:
            rule, pattern = p, p.pattern
        for m in pattern.finditer(text):
            if m.end() > m.start() and (rule.check is None or rule.check(text, m)):
                hits.append(_Hit(m.start(), m.end(), rule.name))
    return hits


def _url_hits(text: str, start: int = 0, end: int | None = None) -> list[_Hit]:
    stop = len(text) if end is None else end
    segment = text[start:stop]
    hits: list[_Hit] = []
    tables = _tables()
    folded = tables.folder.fold(segment)
    present = tables.index.present(folded) if folded is not None else None
    for rule in URL_RULES:
        words = tables.by_rule[id(rule)].words
        if words is not None and present is not None and words.isdisjoint(present):
            continue
        for m in rule.pattern.finditer(segment):
            hits.append(_Hit(start + m.start(), start + m.end(), rule.name))
    return hits


def _phrase_spans(text: str, patterns: Sequence[re.Pattern[str]]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for p in patterns for m in p.finditer(text) if m.end() > m.start()]


def _keep(hits: list[_Hit], allowed: Sequence[tuple[int, int]]) -> list[_Hit]:
    """Drop hits inside an allowed phrase, and hits contained in a longer hit of the same text."""
    hits = [h for h in hits if not any(s <= h.start and h.end <= e for s, e in allowed)]
    hits.sort(key=lambda h: (h.start, -(h.end - h.start), h.rule))
    kept: list[_Hit] = []
    for h in hits:
        if any(k.start <= h.start and h.end <= k.end for k in kept):
            continue
        kept.append(h)
    return kept


def _phrase(source: str, space: _Space, hit: _Hit, html: bool) -> str:
    offsets = space.mapped.offsets
    if html:
        raw = space.mapped.text[hit.start : hit.end]
    else:
        raw = source[offsets[hit.start] : offsets[hit.end - 1] + 1]
    return " ".join(raw.split()) if any(c.isspace() and c != " " for c in raw) else raw.strip()


def _kept_hits(text: str, prose: bool, language: str, extra: Sequence[re.Pattern[str]],
               allow: Sequence[re.Pattern[str]]) -> list[_Hit]:  # fmt: skip
    """The hits of every rule in one space (prose or a link target), less those an allowed phrase covers."""
    hits: list[_Hit] = []
    if prose:
        links = _spans(text)
        hits += _rule_hits(_blank(text, links), language)
        for start, end in links:
            hits += _url_hits(text, start, end)
    else:
        hits += _url_hits(text)
    hits += [_Hit(s, e, "extra_phrase") for s, e in _phrase_spans(text, extra)]
    return _keep(hits, _phrase_spans(text, allow))


def _clean(source: str, language: str, html: bool, extra: Sequence[re.Pattern[str]],
           allow: Sequence[re.Pattern[str]]) -> bool:  # fmt: skip
    """Whether the text has no finding, judged on the same texts as `_scan` but without mapping positions.

    Nearly every message is clean, and for those where each character came from is never asked.
    """
    if html:
        visible, links, shown = html_plain_text(source)
        spaces = [(normalised_text(text), True) for text in (visible, *shown)]
        spaces += [(normalised_text(link), False) for link in links]
    else:
        spaces = [(normalised_text(source), True)]
    return not any(text and _kept_hits(text, prose, language, extra, allow) for text, prose in spaces)


def _scan(
    source: str, language: str, html: bool, extra: Sequence[str], allow: Sequence[str]
) -> list[GuardFinding]:
    extra_patterns = _patterns(tuple(extra))
    allow_patterns = _patterns(tuple(allow))
    if _clean(source, language, html, extra_patterns, allow_patterns):
        return []
    return _findings(source, language, html, extra_patterns, allow_patterns)


def _findings(source: str, language: str, html: bool, extra_patterns: Sequence[re.Pattern[str]],
              allow_patterns: Sequence[re.Pattern[str]]) -> list[GuardFinding]:  # fmt: skip
    """Every finding with its line and column in `source`."""
    if html:
        parsed = html_to_text(source)
        spaces = [_Space(normalise(text), True) for text in (parsed.text, *parsed.shown)]
        spaces += [_Space(normalise(link), False) for link in parsed.links]
    else:
        spaces = [_Space(normalise(MappedText.identity(source)), True)]
    lines = LineIndex(source)
    found: dict[tuple[int, int, str, str], GuardFinding] = {}
    for space in spaces:
        text = space.mapped.text
        if not text:
            continue
        for hit in _kept_hits(text, space.prose, language, extra_patterns, allow_patterns):
            line, col = lines.position(space.mapped.offsets[hit.start])
            finding = GuardFinding(line, col, _phrase(source, space, hit, html), hit.rule)
            found.setdefault((line, col, finding.phrase.casefold(), hit.rule), finding)
    return sorted(found.values(), key=lambda f: (f.line, f.col, f.rule, f.phrase))


@lru_cache(maxsize=256)
def _patterns(phrases: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [p for p in map(phrase_pattern, phrases) if p is not None]


def _phrase_list(value: object) -> list[str]:
    """Configured phrases as a list of strings; a lone string counts as one phrase, junk as none."""
    if isinstance(value, str):
        return [value]
    try:
        return [v for v in value if isinstance(v, str)]  # type: ignore[attr-defined]
    except TypeError:
        return []


def scan(
    text: str,
    language: str,
    *,
    html: bool = False,
    extra_phrases: Sequence[str] = (),
    allow_phrases: Sequence[str] = (),
) -> list[GuardFinding]:
    """Offer-guard findings for `text`, sorted by position; an empty list means the text is clean.

    `language` picks the German or English rules (anything else: both). `extra_phrases` are
    reported as "extra_phrase"; a finding lying inside an occurrence of an `allow_phrases`
    entry is dropped. With `html=True` the visible text, the `alt` and `title` texts and the link
    targets of an HTML body are scanned and positions refer to the HTML source. Never raises.
    """
    try:
        source = text if isinstance(text, str) else ("" if text is None else str(text))
        lang = language if isinstance(language, str) else ""
        return _scan(source, lang, bool(html), _phrase_list(extra_phrases), _phrase_list(allow_phrases))
    except Exception as exc:  # noqa: BLE001 - a broken rule must block the message, not let it pass
        return [GuardFinding(1, 1, f"text could not be checked ({type(exc).__name__})", "guard_error")]
