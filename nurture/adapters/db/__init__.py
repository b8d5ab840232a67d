"""nurture.adapters.db."""

from __future__ import annotations
