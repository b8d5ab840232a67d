"""Use cases that tie the pure core to the database and the outside world."""

from __future__ import annotations
