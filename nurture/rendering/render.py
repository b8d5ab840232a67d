"""Rendering one message from the templates: wording choice, subject, plain text and HTML.

The wording is picked deterministically from the contact and the occasion so that a
re-render gives the same words, while the same person never reads the same words two years
running. Files: `<lang>/<occasion>/<N>.subject.j2|.txt.j2|.html.j2`, `<lang>/_footer.*.j2`,
`_layout.html.j2` (see templates/README.md).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import Markup

from nurture.domain.addressing.german import SWISS, swiss
from nurture.errors import Location, Problem, TemplateProblem
from nurture.rendering.environment import SnapshotLoader, make_environment, render_template

LAYOUT = "_layout.html.j2"
# Messages to the approver, not to a contact: no contact footer (no unsubscribe, no objection notice).
FOOTERLESS = frozenset({"digest"})
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_WORDING = re.compile(r"^(?P<variant>[0-9A-Za-z_-]+)\.(?:subject|txt|html)\.j2$")


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str | None
    template: str  # "<lang>/<occasion>/<variant>", e.g. "de/birthday/2"


def _variant_order(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (1 << 30, name)


def choose_variant(variants: Sequence[str], seed_key: str, occasion: str, occasion_date: date) -> str:
    """Stable per contact and occasion, and a different wording each consecutive year (when there are 2+)."""
    if not variants:
        raise ValueError("no wordings to choose from")
    ordered = sorted(variants, key=_variant_order)
    digest = hashlib.sha256(f"{seed_key}\x00{occasion}".encode()).digest()
    start = int.from_bytes(digest[:8], "big")
    return ordered[(start + occasion_date.year) % len(ordered)]


def one_line(text: str) -> str:
    """A header-safe subject: every run of whitespace (CR, LF, tabs included) becomes one space."""
    return " ".join(text.split())


MAX_TEMPLATE_FILES = 5000  # far more than any company writes; a wrong folder must not be read whole


def read_templates(templates_dir: Path) -> dict[str, bytes]:
    """Every template file (`*.j2`) under the folder, by its name relative to it ("de/birthday/1.txt.j2")."""
    found: dict[str, bytes] = {}
    if not templates_dir.is_dir():
        return found
    for path in sorted(templates_dir.rglob("*.j2")):
        rel = path.relative_to(templates_dir)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        found[rel.as_posix()] = path.read_bytes()
        if len(found) >= MAX_TEMPLATE_FILES:
            break
    return found


class TemplateRenderer:
    """Renders the wordings under one templates folder; one text and one HTML sandbox, compiled lazily.

    The folder's templates are read once, when the renderer is made (see `SnapshotLoader`): what
    it writes never mixes files of before and after an edit, and a daemon that refused an edit
    keeps the templates it checked until it accepts the next one (each CLI command reads afresh).
    """

    def __init__(self, templates_dir: Path, sources: Mapping[str, bytes] | None = None) -> None:
        self.templates_dir = Path(templates_dir)
        self.sources = dict(sources) if sources is not None else read_templates(self.templates_dir)
        loader = SnapshotLoader(self.templates_dir, self.sources)
        self.text_env = make_environment(self.templates_dir, html=False, loader=loader)
        self.html_env = make_environment(self.templates_dir, html=True, loader=loader)
        listings: dict[str, set[str]] = {}
        for name in self.sources:
            folder, _, file = name.rpartition("/")
            if (m := _WORDING.match(file)) is not None:
                listings.setdefault(folder, set()).add(m["variant"])
        self._listings = {folder: sorted(found, key=_variant_order) for folder, found in listings.items()}

    def __reduce__(self) -> tuple[type[TemplateRenderer], tuple[Path, dict[str, bytes]]]:
        # The sandboxes hold compiled code and cannot be pickled: a worker process builds its own,
        # from the same copies of the templates.
        return (TemplateRenderer, (self.templates_dir, self.sources))

    def _folder(self, language: str, occasion: str) -> str:
        for part in (language, occasion):
            if not _NAME.match(part):
                raise TemplateProblem(
                    Problem(Location(str(self.templates_dir)), f"{part!r} is not a language or occasion name")
                )
        return f"{language}/{occasion}"

    def variants(self, language: str, occasion: str) -> list[str]:
        """The wordings present for a language and occasion, e.g. ["1", "2", "3"]."""
        return list(self._listings.get(self._folder(language, occasion), []))

    def render_file(self, name: str, context: Mapping[str, Any], *, html: bool) -> str:
        """One template file (name relative to the templates folder), rendered in the matching sandbox."""
        return render_template(self.html_env if html else self.text_env, name, context)

    def has(self, name: str) -> bool:
        return name in self.sources

    def render(
        self,
        language: str,
        occasion: str,
        context: Mapping[str, Any],
        *,
        seed_key: str,
        occasion_date: date,
        variant: str | None = None,
    ) -> RenderedMessage:
        """Subject, text (body + footer) and HTML (layout around body + footer) of one message."""
        folder = self._folder(language, occasion)
        if variant is None:
            found = self.variants(language, occasion)
            if not found:
                raise TemplateProblem(
                    Problem(Location(str(self.templates_dir / folder)), f"no wording for {occasion} in language {language!r}")
                )
            variant = choose_variant(found, seed_key, occasion, occasion_date)
        elif not _WORDING.match(f"{variant}.txt.j2"):
            raise TemplateProblem(Problem(Location(str(self.templates_dir / folder)), f"{variant!r} is not a wording name"))
        base = f"{language}/{occasion}/{variant}"
        with_footer = occasion not in FOOTERLESS

        subject = one_line(self.render_file(f"{base}.subject.j2", context, html=False))
        text = self.render_file(f"{base}.txt.j2", context, html=False).strip()
        if with_footer:
            footer = self.render_file(f"{language}/_footer.txt.j2", context, html=False).strip()
            text = f"{text}\n\n{footer}" if footer else text
        html: str | None = None
        if self.has(f"{base}.html.j2"):
            body = Markup(self.render_file(f"{base}.html.j2", context, html=True).strip())
            html_footer = None
            if with_footer:
                html_footer = Markup(
                    self.render_file(f"{language}/_footer.html.j2", context, html=True).strip()
                )
            layout = {"body": body, "footer": html_footer, "subject": subject, "language": language}
            html = self.render_file(LAYOUT, layout, html=True).strip() + "\n"
        if language == "de" and _country(context) in SWISS:  # Swiss Standard German has no ß (also Liechtenstein)
            subject, text, html = swiss(subject), swiss(text), swiss(html) if html else None
        return RenderedMessage(subject=subject, text=text + "\n", html=html, template=base)


def _country(context: Mapping[str, Any]) -> str | None:
    contact = context.get("contact")
    country = contact.get("country") if isinstance(contact, Mapping) else None
    return country.upper() if isinstance(country, str) else None
