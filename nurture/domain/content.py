"""Items of the content library: the useful things (checklists, guides, videos) a content drop shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ContentItem:
    """One entry of `config/content.toml`; `line` is where its `[[item]]` starts, for error messages."""

    id: str
    title: str
    url: str
    kind: str
    language: str
    topics: tuple[str, ...] = ()
    summary: str = ""
    valid_until: date | None = None
    line: int | None = None

    def available_on(self, day: date) -> bool:
        """An expired item is never offered again."""
        return self.valid_until is None or day <= self.valid_until
