"""A send-rate cap shared by all connections of one sender process.

Relays count messages per minute (Google Workspace, Microsoft 365) and throttle or suspend
the account above the limit, so the cap is held evenly rather than in bursts: each message
reserves the next free slot, ``60 / max_per_minute`` seconds after the previous one (a GCRA /
leaky bucket with a burst of one). Reservation is synchronous, so concurrent coroutines never
race for the same slot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class RateLimiter:
    """``await acquire()`` before each message; ``max_per_minute <= 0`` means unlimited."""

    def __init__(
        self,
        max_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.max_per_minute = max_per_minute
        self.interval = 60.0 / max_per_minute if max_per_minute > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next_slot: float | None = None

    def try_acquire(self) -> bool:
        """Take a slot only if it has come already; never waits."""
        if self.interval <= 0:
            return True
        now = self._clock()
        if self._next_slot is not None and self._next_slot > now:
            return False
        self._next_slot = now + self.interval
        return True

    async def acquire(self) -> None:
        """Wait until this caller's slot has come."""
        if self.interval <= 0:
            return
        now = self._clock()
        slot = now if self._next_slot is None or self._next_slot < now else self._next_slot
        self._next_slot = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)
