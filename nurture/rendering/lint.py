"""`nurture check` for templates: compile, sample-render and offer-guard every wording.

A template error found here costs a marketer a minute; found at send time it costs a
greeting. So every wording is rendered against sample contacts in every formality, with
and without the optional parts, and each problem is reported at its template file and line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import meta

from nurture.domain.vocabulary import OCCASIONS
from nurture.errors import Location, Problem, TemplateProblem
from nurture.rendering.environment import make_environment, template_file, template_problem
from nurture.rendering.render import FOOTERLESS, LAYOUT, TemplateRenderer

DIGEST = "digest"
PARTS = ("subject", "txt", "html")
_OBJECTION_WORD = {"de": "widersprechen", "en": "object"}
_SAMPLE_DAY = date(2026, 5, 14)

_PEOPLE = {
    "de": [
        ("Sehr geehrte Frau Dr. Müller,", "Liebe Anna,", "Anna", "Müller", "Beispiel AG", "Leiterin Einkauf"),
        ("Guten Tag, Kim Weber,", "Hallo Kim,", "Kim", "Weber", None, None),
    ],
    "en": [
        ("Dear Ms Smith,", "Hi Jane,", "Jane", "Smith", "Example Ltd", "Head of Purchasing"),
        ("Dear Sam Taylor,", "Hi Sam,", "Sam", "Taylor", None, None),
    ],
}
_NOTES = {
    "de": "Ich denke gern an unser Gespräch in Köln zurück.",
    "en": "I still remember our chat in Leeds.",
}
_EVENT_DETAILS: dict[str, list[dict[str, Any]]] = {
    "job_change": [
        {
            "company": "Muster GmbH",
            "position": "Head of Sales",
            "old_company": "Alt AG",
            "old_position": "Sales",
        },
        {"company": "Muster GmbH"},
        {"position": "Head of Sales"},
        {"old_company": "Alt AG", "old_position": "Sales"},
        # a new role at the same company (the templates' `new_role` branch)
        {"company": "Muster GmbH", "old_company": "Muster GmbH", "position": "Head of Sales", "old_position": "Sales"},
        {},
    ],
    "promotion": [{"position": "Head of Marketing"}, {}],
    "work_anniversary": [{"years": 10, "company": "Muster GmbH"}, {"years": "1"}, {"company": ""}, {}],
    "publication": [{"title": "Einkauf im Wandel"}, {}],
    "achievement": [{"what": "Auszeichnung als Arbeitgeber des Jahres"}, {}],
}
_CONTENT = {
    "de": {
        "id": "checkliste-lieferanten",
        "title": "Checkliste Lieferantenbewertung",
        "url": "https://example.com/checkliste",
        "kind": "checklist",
        "summary": "Zwölf Fragen, mit denen Sie Lieferanten in einer Stunde einschätzen.",
    },
    "en": {
        "id": "supplier-checklist",
        "title": "Supplier review checklist",
        "url": "https://example.com/checklist",
        "kind": "checklist",
        "summary": "Twelve questions to assess a supplier within an hour.",
    },
}


def sample_contexts(language: str, occasion: str) -> Iterator[dict[str, Any]]:
    """Realistic template contexts covering every formality, optional part and event detail shape."""
    lang = language if language in _PEOPLE else "en"
    if occasion == DIGEST:
        yield from _digest_samples()
        return
    events: list[dict[str, Any] | None] = [
        {"kind": occasion, "date": _SAMPLE_DAY, "details": details}
        for details in _EVENT_DETAILS.get(occasion, [])
    ] + [None]
    contents: list[dict[str, Any] | None] = [_CONTENT[lang], {**_CONTENT[lang], "summary": ""}]
    if occasion != "content_drop":
        contents = [None]
    for person, informal, event, content, extras in itertools.product(
        _PEOPLE[lang], (False, True), events, contents, (True, False)
    ):
        formal_line, informal_line, first, last, company, position = person
        yield {
            "contact": {
                "first_name": first,
                "last_name": last,
                "full_name": f"{first} {last}",
                "company": company,
                "position": position,
                "language": language,
                "country": "DE" if lang == "de" else "GB",
                "formality": "informal" if informal else "formal",
                "tier": "A",
                "topics": ["Einkauf"] if company else [],
            },
            "salutation": informal_line if informal else formal_line,
            "informal": informal,
            "sender": {
                "name": "Jana Beispiel",
                "email": "jana@example.com",
                "organisation": "Beispiel GmbH",
                "postal_address": "Musterstraße 1, 12345 Musterstadt",
                "legal_notice": "Beispiel GmbH, Sitz Musterstadt, Amtsgericht Musterstadt HRB 12345",
            },
            "occasion": {"kind": occasion, "date": _SAMPLE_DAY, "year": _SAMPLE_DAY.year},
            "event": event,
            "content": content,
            "note": _NOTES[lang] if extras else None,
            "unsubscribe_url": "https://example.com/u/Xy12" if extras else None,
            "objection_notice": extras,
        }


def _digest_samples() -> Iterator[dict[str, Any]]:
    item = {"id": 7, "contact": "Anna Müller", "occasion": "birthday", "send_at": "2026-05-14 09:00"}
    yield {
        "digest": {
            "pending": [{**item, "deadline": "2026-05-14 08:30"}, {**item, "id": 8, "deadline": None}],
            "expiring_today": [{**item, "deadline": "2026-05-14 08:30"}],
            "review": [{"id": 3, "name": "Test Test", "reason": "placeholder name"}],
            "url": "http://127.0.0.1:8080/",
        }
    }
    yield {
        "digest": {"pending": [item | {"deadline": None}], "expiring_today": [], "review": [], "url": None}
    }
    yield {"digest": {"pending": [], "expiring_today": [], "review": [], "url": None}}


def _languages(templates_dir: Path) -> list[str]:
    return sorted(p.name for p in templates_dir.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def _written_at(lines: list[str], phrase: str, rendered_line: str) -> int | None:
    """The template line that wrote the guard's phrase (outside Jinja tags); None if it is not there."""
    needle, rendered = _flat(phrase), _flat(rendered_line)
    candidates: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        static = _TAG.sub("\x00", line)
        if needle and needle in _flat(static):
            candidates.append((number, static))
    for number, static in candidates:
        # Prefer the line whose literal text all appears on the rendered line the guard pointed at.
        if all(_flat(part) in rendered for part in static.split("\x00") if part.strip()):
            return number
    return candidates[0][0] if candidates else None


class _Linter:
    def __init__(self, templates_dir: Path, scan: Callable[..., list[Any]]) -> None:
        self.dir = templates_dir
        self.scan = scan
        self.renderer = TemplateRenderer(templates_dir)
        self.problems: dict[tuple[str, int | None, str], Problem] = {}
        self._references: dict[str, list[str]] = {}
        self._sources: dict[str, list[str] | None] = {}

    def add(self, problem: Problem) -> None:
        self.problems.setdefault((problem.location.file, problem.location.line, problem.message), problem)

    def compile_all(self) -> set[str]:
        """Syntax-check every template; returns the names that failed."""
        broken: set[str] = set()
        envs = {True: make_environment(self.dir, html=True), False: make_environment(self.dir, html=False)}
        for path in sorted(self.dir.rglob("*.j2")):
            name = path.relative_to(self.dir).as_posix()
            env = envs[name.endswith(".html.j2")]
            try:
                env.get_template(name)
            except Exception as exc:  # a template that does not compile is reported, never raised
                self.add(template_problem(env, name, exc).problem)
                broken.add(name)
        return broken

    def structure(self, language: str) -> list[tuple[str, str]]:
        """(occasion, variant) pairs to render; reports missing wordings, twins and footers."""
        found: list[tuple[str, str]] = []
        if not (self.dir / LAYOUT).is_file():
            self.add(Problem(Location(str(self.dir / LAYOUT), 1), "the HTML layout is missing"))
        for part in ("txt", "html"):
            footer = self.dir / language / f"_footer.{part}.j2"
            if not footer.is_file():
                self.add(Problem(Location(str(footer), 1), f"the {part} footer for {language!r} is missing"))
        for occasion in (*OCCASIONS, DIGEST):
            variants = self.renderer.variants(language, occasion)
            if not variants:
                self.add(
                    Problem(
                        Location(str(self.dir / language / occasion), 1),
                        f"no wording for {occasion} in language {language!r}; add {occasion}/1.subject.j2, "
                        "1.txt.j2 and 1.html.j2",
                    )
                )
            for variant in variants:
                missing = [
                    p for p in PARTS if not (self.dir / language / occasion / f"{variant}.{p}.j2").is_file()
                ]
                for part in missing:
                    twin = self.dir / language / occasion / f"{variant}.{part}.j2"
                    self.add(
                        Problem(
                            Location(str(twin), 1),
                            f"wording {variant} has no {part} template; add {twin.name}",
                        )
                    )
                if not missing:
                    found.append((occasion, variant))
        return found

    def referenced(self, name: str) -> list[str]:
        if name not in self._references:
            self._references[name] = self._referenced(name, {name})
        return self._references[name]

    def source_lines(self, name: str) -> list[str] | None:
        if name not in self._sources:
            try:
                self._sources[name] = (self.dir / name).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._sources[name] = None
        return self._sources[name]

    def _referenced(self, name: str, seen: set[str]) -> list[str]:
        """The templates `name` includes, imports or extends, and theirs in turn (names written out)."""
        env = self.renderer.text_env
        try:
            source = env.loader.get_source(env, name)[0] if env.loader else ""
            found = [n for n in meta.find_referenced_templates(env.parse(source)) if isinstance(n, str)]
        except Exception:  # a broken or missing template is reported by compile_all
            return []
        names: list[str] = []
        for other in found:
            if other not in seen:
                seen.add(other)
                names += [other, *self._referenced(other, seen)]
        return names

    def locate(self, names: list[str], phrase: str, rendered_line: str) -> Location:
        """The file and line that wrote `phrase`: one of `names` or a template they include, else names[0]:1."""
        candidates = list(dict.fromkeys([*names, *(r for n in names for r in self.referenced(n))]))
        for name in candidates:
            lines = self.source_lines(name)
            line = _written_at(lines, phrase, rendered_line) if lines is not None else None
            if line is not None:
                return Location(str(self.dir / name), line)
        return Location(str(self.dir / names[0]), 1)

    def guard(self, name: str | list[str], text: str, language: str, *, html: bool, whole: bool = False) -> None:
        """Offer-guard a rendered text; each finding goes to the template line that wrote it.

        `whole`: the assembled message, whose parts were guarded one by one already; only what
        those checks did not report (the layout, a phrase formed where two parts meet) is added.
        """
        names = [name] if isinstance(name, str) else name
        files = {str(self.dir / n) for n in [*names, *(r for n in names for r in self.referenced(n))]}
        rendered = text.splitlines()
        for finding in self.scan(text, language, html=html):
            # Phrase and rule only: the rendered line:col differs per sample contact and would
            # list one template line once for every sample it was rendered with.
            message = f"offer guard: {finding.phrase} ({finding.rule}); reword it, nurture never sends offers"
            if whole and any(p.message == message and p.location.file in files for p in self.problems.values()):
                continue
            at = getattr(finding, "line", 0) or 0
            line_text = rendered[at - 1] if 0 < at <= len(rendered) else ""
            self.add(Problem(self.locate(names, str(finding.phrase), line_text), message))

    def render_wording(self, language: str, occasion: str, variant: str, broken: set[str]) -> None:
        base = f"{language}/{occasion}/{variant}"
        names = {p: f"{base}.{p}.j2" for p in PARTS}
        footers = {} if occasion in FOOTERLESS else {p: f"{language}/_footer.{p}.j2" for p in ("txt", "html")}
        if broken & (set(names.values()) | set(footers.values()) | {LAYOUT}):
            return
        for context in sample_contexts(language, occasion):
            try:
                for part, name in (*names.items(), *(("footer_" + p, n) for p, n in footers.items())):
                    html = part.endswith("html")
                    text = self.renderer.render_file(name, context, html=html)
                    self.guard(name, text, language, html=html)
                message = self.renderer.render(
                    language, occasion, context, seed_key="lint", occasion_date=_SAMPLE_DAY, variant=variant
                )
            except TemplateProblem as exc:
                self.add(exc.problem)
                continue
            # The message as it is sent, guarded whole as at send time: the HTML layout is part
            # of it, and a phrase may only form where two parts meet.
            self.guard([names["txt"], names["subject"], *footers.values()], f"{message.subject}\n{message.text}",
                       language, html=False, whole=True)  # fmt: skip
            if message.html:
                # The layout also shows the subject (as the page title).
                self.guard([names["html"], names["subject"], *footers.values(), LAYOUT], message.html, language,
                           html=True, whole=True)  # fmt: skip
            self.check_message(language, occasion, base, context, message.subject, message.text, message.html)

    def check_message(
        self,
        language: str,
        occasion: str,
        base: str,
        ctx: dict[str, Any],
        subject: str,
        text: str,
        html: str | None,
    ) -> None:
        if re.match(r"(?i)(re|fwd?|aw|wg)\s*:", subject):
            self.add(
                Problem(Location(str(self.dir / f"{base}.subject.j2"), 1), "a subject must not fake a reply")
            )
        if not subject:
            self.add(Problem(Location(str(self.dir / f"{base}.subject.j2"), 1), "the subject renders empty"))
        if occasion in FOOTERLESS:
            return
        required = [ctx["sender"]["organisation"], ctx["sender"]["postal_address"]]
        if ctx["unsubscribe_url"]:
            required.append(ctx["unsubscribe_url"])
        if ctx["note"]:
            required.append(ctx["note"])
        if ctx["objection_notice"] and language in _OBJECTION_WORD:
            required.append(_OBJECTION_WORD[language])
        for part, body in (("txt", text), ("html", html or "")):
            for needle in required:
                if needle not in body:
                    self.add(
                        Problem(
                            Location(template_file(self.renderer.text_env, f"{base}.{part}.j2"), 1),
                            f"the {part} message lacks {needle!r} (personal note, footer or opt-out notice)",
                        )
                    )


def lint_templates(templates_dir: Path, scan: Callable[..., list[Any]]) -> list[Problem]:
    """Every problem of the templates folder, sorted by file and line; empty when all is well."""
    templates_dir = Path(templates_dir)
    if not templates_dir.is_dir():
        return [Problem(Location(str(templates_dir)), "the templates folder does not exist")]
    linter = _Linter(templates_dir, scan)
    broken = linter.compile_all()
    languages = _languages(templates_dir)
    if not languages:
        linter.add(
            Problem(Location(str(templates_dir)), "no language folders (de/, en/) in the templates folder")
        )
    for language in languages:
        for occasion, variant in linter.structure(language):
            linter.render_wording(language, occasion, variant, broken)
    return sorted(linter.problems.values(), key=lambda p: (p.location.file, p.location.line or 0, p.message))
