"""nurture.adapters.importers."""

from __future__ import annotations
