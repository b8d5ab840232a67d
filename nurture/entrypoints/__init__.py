"""nurture.entrypoints."""

from __future__ import annotations
