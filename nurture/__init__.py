"""nurture: keeps business relationships warm without selling at people."""

from __future__ import annotations

__version__ = "0.1.0"
