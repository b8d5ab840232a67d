"""Reply classification, backoff and the send-rate cap (pure, with a fake clock)."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest

from nurture.outbox.policy import DeliveryResult, Outcome, classify, enhanced_code, retry_delay
from nurture.outbox.rate_limit import RateLimiter

S, R, F, U = Outcome.SENT, Outcome.RETRY, Outcome.FAILED, Outcome.UNCERTAIN


@pytest.mark.parametrize(
    ("phase", "code", "text", "outcome", "bounce", "pause"),
    [
        ("data_end", 250, "2.0.0 OK queued as 1234", S, False, False),
        # transient
        ("rcpt", 451, "4.7.1 Greylisted, try again later", R, False, False),
        ("rcpt", 450, "4.2.1 Mailbox busy", R, False, False),
        ("mail", 452, "4.3.1 Insufficient system storage", R, False, False),
        ("rcpt", 452, "4.2.2 Mailbox full", R, False, False),
        ("data_end", 451, "4.3.0 Temporary failure", R, False, False),
        ("starttls", 454, "4.7.0 TLS not available due to temporary reason", R, False, True),
        ("rcpt", 421, "4.7.0 Too many errors, closing", R, False, True),
        ("connect", 421, "4.3.2 Service not available", R, False, True),
        ("mail", 451, "4.7.28 Gmail has detected an unusual rate of mail", R, False, True),
        ("rcpt", 552, "5.5.3 Too many recipients", R, False, False),
        # no reply at all
        ("connect", None, "connection refused", R, False, True),
        ("mail", None, "Connection lost", R, False, True),
        ("data", None, "timeout", R, False, True),
        ("data_end", None, "timeout: Timed out waiting for server response", U, False, False),
        ("data_end", None, "", U, False, False),
        # permanent, the recipient's fault
        ("rcpt", 550, "5.1.1 User unknown", F, True, False),
        ("rcpt", 550, "Requested action not taken: mailbox unavailable", F, True, False),
        ("rcpt", 553, "5.1.3 Bad recipient address syntax", F, True, False),
        ("rcpt", 551, "User not local", F, True, False),
        ("rcpt", 550, "5.2.1 Mailbox disabled", F, True, False),
        ("rcpt", 550, "5.1.10 Recipient address rejected: null MX", F, True, False),
        # permanent, not the recipient's fault
        # the relay will not relay for us: every message would fail alike, so pause (no bounce)
        ("rcpt", 550, "5.7.1 Relaying denied", F, False, True),
        ("rcpt", 552, "5.2.2 Mailbox full", F, False, False),
        ("rcpt", 554, "5.7.26 Unauthenticated email is not accepted (DMARC)", F, False, False),
        ("data_end", 552, "5.3.4 Message size exceeds fixed limit", F, False, False),
        ("data_end", 554, "5.7.1 Message rejected as spam", F, False, False),
        ("data", 554, "5.5.1 No valid recipients", F, False, False),
        ("mail", 553, "5.7.1 Sender address rejected: not owned by user", F, False, True),
        ("mail", 550, "5.4.5 Daily user sending limit exceeded", F, False, True),
        ("rcpt", 550, "5.4.5 Daily user sending limit exceeded", F, False, True),
        # Microsoft: our daily recipient limit, though its code says "address" (X.1.x)
        ("rcpt", 550, "5.1.90 Your message can't be sent because you've reached your daily limit for message "
                      "recipients", F, False, True),
        ("rcpt", 550, "5.1.1 Recipient address rejected: hourly limit reached for this sender", F, False, True),
        # the relay refuses us: every message would fail
        ("auth", 535, "5.7.8 Authentication credentials invalid", F, False, True),
        ("mail", 530, "5.7.0 Authentication required", F, False, True),
        ("connect", 554, "5.7.1 No SMTP service", F, False, True),
        ("ehlo", 550, "Not now", F, False, True),
    ],
)
def test_classification_table(phase, code, text, outcome, bounce, pause):
    result = classify(phase, code, text)
    assert (result.outcome, result.bounce, result.pause_relay) == (outcome, bounce, pause)
    assert result.code == code


@pytest.mark.parametrize(
    ("phase", "code", "relay_only"),
    [("connect", None, True), ("connect", 421, True), ("ehlo", None, True), ("starttls", 454, True),
     ("auth", 535, True), ("mail", None, False), ("mail", 421, False), ("rcpt", 451, False),
     ("data", None, False), ("data_end", 451, False)],
)  # fmt: skip
def test_only_failures_before_the_message_is_offered_spare_its_attempts(phase, code, relay_only):
    """A relay that is down or refuses us says nothing about the message being sent."""
    assert classify(phase, code, "4.3.2 busy" if code else "connection refused").relay_only is relay_only


def test_reply_text_is_kept_on_one_line():
    result = classify("rcpt", 550, "5.1.1 User unknown\n5.1.1 see https://support.example/")
    assert result.text == "5.1.1 User unknown 5.1.1 see https://support.example/"


def test_unknown_phase_is_a_programming_error():
    with pytest.raises(ValueError):
        classify("quit", 221, "bye")


def test_enhanced_code_parsing():
    assert enhanced_code("5.1.1 User unknown") == (5, 1, 1)
    assert enhanced_code("4.7.28 rate") == (4, 7, 28)
    assert enhanced_code("Requested action not taken") is None
    assert enhanced_code("queued as 1.2.3.4") is None  # an IP address is not a status code


def test_delivery_result_defaults():
    assert DeliveryResult(Outcome.SENT, 250, "ok") == DeliveryResult(Outcome.SENT, 250, "ok", False, False)


def test_retry_delay_grows_exponentially_within_jittered_bounds():
    rng = random.Random(7)
    base = timedelta(minutes=5)
    for attempt in range(1, 8):
        ceiling = min(timedelta(hours=6), base * 2 ** (attempt - 1))
        for _ in range(50):
            delay = retry_delay(attempt, base, rng)
            assert ceiling / 2 <= delay <= ceiling


def test_retry_delay_is_capped_and_survives_huge_attempt_numbers():
    rng = random.Random(1)
    assert retry_delay(10_000, timedelta(hours=1), rng, cap=timedelta(hours=6)) <= timedelta(hours=6)
    assert retry_delay(0, timedelta(minutes=1), rng) <= timedelta(minutes=1)


def test_retry_delay_spreads_out():
    rng = random.Random(3)
    delays = {retry_delay(3, timedelta(minutes=5), rng) for _ in range(20)}
    assert len(delays) == 20


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_rate_limiter_spaces_messages_evenly():
    t = FakeTime()
    limiter = RateLimiter(120, clock=t.clock, sleep=t.sleep)
    for _ in range(5):
        await limiter.acquire()
    assert t.sleeps == pytest.approx([0.5, 0.5, 0.5, 0.5])
    assert t.now == pytest.approx(1002.0)


async def test_rate_limiter_does_not_bank_idle_time_into_a_burst():
    t = FakeTime()
    limiter = RateLimiter(60, clock=t.clock, sleep=t.sleep)
    await limiter.acquire()
    t.now += 300  # idle for five minutes
    await limiter.acquire()
    await limiter.acquire()
    assert t.sleeps == pytest.approx([1.0])


async def test_rate_limiter_is_shared_by_concurrent_senders():
    # All 40 callers arrive at the same instant: each must get its own slot, 0.1 s apart.
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    limiter = RateLimiter(600, clock=lambda: 50.0, sleep=record)
    await asyncio.gather(*(limiter.acquire() for _ in range(40)))
    assert sorted(waits) == pytest.approx([0.1 * i for i in range(1, 40)])  # the first one goes at once


async def test_rate_limiter_real_clock_holds_the_cap():
    limiter = RateLimiter(1200)  # one per 50 ms
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.gather(*(limiter.acquire() for _ in range(9)))
    assert loop.time() - start >= 8 * 0.05 * 0.95


async def test_unlimited_never_waits():
    t = FakeTime()
    limiter = RateLimiter(0, clock=t.clock, sleep=t.sleep)
    for _ in range(100):
        await limiter.acquire()
    assert t.sleeps == []
