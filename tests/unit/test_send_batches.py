"""How many messages a connection hands over at once: what a crash can leave in review."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nurture.outbox.rate_limit import RateLimiter
from nurture.usecases.dispatch import Dispatcher


def dispatcher(max_per_minute: int, concurrency: int) -> Dispatcher:
    return Dispatcher(factory=None, transports=None, build=None, clock=lambda: datetime.now(UTC),  # type: ignore[arg-type]
                      limiter=RateLimiter(max_per_minute), worker="w", concurrency=concurrency)  # fmt: skip


@pytest.mark.parametrize(
    ("max_per_minute", "concurrency", "batch"),
    [
        (120, 4, 1),  # the example config: one message at a time, re-checked once its slot has come
        (600, 4, 2),  # a slot every 0.4 s per connection: two fit in a second
        (1200, 4, 5),
        (1200, 8, 2),
        (0, 4, 8),  # no cap: a few at a time, at most `prefetch`
        (100_000, 8, 8),
    ],
)
def test_a_batch_covers_about_a_second_of_a_connections_sending(max_per_minute, concurrency, batch) -> None:
    assert dispatcher(max_per_minute, concurrency)._batch() == batch

