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
from nurture.rendering.environment import make_environment, render_template

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


class TemplateRenderer:
    """Renders the wordings under one templates folder; one text and one HTML sandbox, compiled lazily."""

    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = Path(templates_dir)
        self.text_env = make_environment(self.templates_dir, html=False)
        self.html_env = make_environment(self.templates_dir, html=True)
        self._listings: dict[Path, tuple[int, list[str]]] = {}

    def __reduce__(self) -> tuple[type[TemplateRenderer], tuple[Path]]:
        # The sandboxes hold compiled code and cannot be pickled: a worker process builds its own.
        return (TemplateRenderer, (self.templates_dir,))

    def _folder(self, language: str, occasion: str) -> Path:
        for part in (language, occasion):
            if not _NAME.match(part):
                raise TemplateProblem(
                    Problem(Location(str(self.templates_dir)), f"{part!r} is not a language or occasion name")
                )
        return self.templates_dir / language / occasion

    def _listing(self, folder: Path) -> list[str] | None:
        """The wordings in a folder (None: no folder), re-read only when the folder changes."""
        try:
            stamp = folder.stat().st_mtime_ns
        except OSError:
            return None
        cached = self._listings.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        if not folder.is_dir():
            return None
        found = {m["variant"] for p in folder.iterdir() if (m := _WORDING.match(p.name))}
        listing = sorted(found, key=_variant_order)
        self._listings[folder] = (stamp, listing)
        return listing

    def variants(self, language: str, occasion: str) -> list[str]:
        """The wordings present for a language and occasion, e.g. ["1", "2", "3"]."""
        listing = self._listing(self._folder(language, occasion))
        return list(listing) if listing is not None else []

    def render_file(self, name: str, context: Mapping[str, Any], *, html: bool) -> str:
        """One template file (name relative to the templates folder), rendered in the matching sandbox."""
        return render_template(self.html_env if html else self.text_env, name, context)

    def has(self, name: str) -> bool:
        return (self.templates_dir / name).is_file()

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
                    Problem(Location(str(folder)), f"no wording for {occasion} in language {language!r}")
                )
            variant = choose_variant(found, seed_key, occasion, occasion_date)
        elif not _WORDING.match(f"{variant}.txt.j2"):
            raise TemplateProblem(Problem(Location(str(folder)), f"{variant!r} is not a wording name"))
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
