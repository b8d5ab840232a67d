"""The offer guard: no prices, discounts, calls to buy or pushy B2C phrases reach the queue.

Every template (at check time) and every rendered message (before it is queued) is scanned;
a message with findings is stored `blocked` with `summarise(findings)` as its reason.
"""

from __future__ import annotations

from nurture.domain.guard.findings import GuardFinding, summarise
from nurture.domain.guard.scan import scan

__all__ = ["GuardFinding", "scan", "summarise"]
