"""nurture.domain."""

from __future__ import annotations
