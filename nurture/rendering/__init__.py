"""nurture.rendering."""

from __future__ import annotations
