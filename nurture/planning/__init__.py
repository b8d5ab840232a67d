"""nurture.planning."""

from __future__ import annotations
