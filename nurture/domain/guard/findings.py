"""What the offer guard reports: one finding per offending phrase, and a one-line summary.

The summary is stored as a blocked message's `reason`, so it has to stay short and readable
in the queue; the `line:col: phrase (rule)` form is the same one `nurture check-text` prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class GuardFinding:
    """One phrase the guard objects to; line and column are 1-based and refer to the scanned source."""

    line: int
    col: int
    phrase: str
    rule: str

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.phrase} ({self.rule})"


def summarise(findings: Sequence[GuardFinding], limit: int = 5) -> str:
    """One line for a message's `reason`: the first `limit` findings, then how many more there are."""
    if not findings:
        return "offer guard: no findings"
    shown = list(findings[: max(limit, 0)])
    rest = len(findings) - len(shown)
    if not shown:
        return f"offer guard: {len(findings)} findings"
    text = "offer guard: " + "; ".join(str(f) for f in shown)
    if rest > 0:
        text += f" and {rest} more"
    return text
