"""nurture.outbox."""

from __future__ import annotations
