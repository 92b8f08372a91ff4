"""Pacing and retry policy of the Teams transport, on a fake clock."""

from __future__ import annotations

import random

import pytest

from adapters.teams.delivery import Delivery, Pacer, RetryPolicy, TokenBucket
from bot.ports import DeliveryError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_conversation_gets_a_burst_then_seven_per_second() -> None:
    clock = Clock()
    pacer = Pacer(7.0, 30.0, monotonic=clock)
    waits = [pacer.reserve("tenant", "chat") for _ in range(14)]
    assert waits[:7] == [0.0] * 7  # the burst Teams allows
    assert waits[7:] == pytest.approx([n / 7 for n in range(1, 8)])  # then one every 1/7 s


def test_the_tenant_limit_holds_across_conversations() -> None:
    clock = Clock()
    pacer = Pacer(7.0, 30.0, monotonic=clock)
    waits = [pacer.reserve("tenant", f"chat-{n}") for n in range(60)]
    assert max(waits) == pytest.approx(30 / 30)  # 60 sends in one tenant: the last waits a second
    assert pacer.reserve("other-tenant", "chat-0") == 0.0


def test_tokens_come_back_with_time() -> None:
    bucket = TokenBucket(rate=2.0, burst=2.0)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, 0.0, 0.5]
    assert bucket.reserve(10.0) == 0.0


def test_backoff_grows_with_jitter_and_respects_retry_after() -> None:
    policy = RetryPolicy(attempts=6, base_delay=1.0, max_delay=30.0)
    rng = random.Random(7)
    delays = [policy.delay(attempt, None, rng) for attempt in range(6)]
    assert all(2**n / 2 <= delay <= 2**n for n, delay in enumerate(delays[:5]))
    assert delays[5] <= 30.0
    assert policy.delay(0, 12.0, rng) == 12.0


async def test_errors_that_are_not_from_the_connector_are_not_retried() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    delivery = Delivery(Pacer(100, 100), sleep=sleep)

    async def broken() -> None:
        raise KeyError("a bug, not a network problem")

    with pytest.raises(KeyError):
        await delivery.call("tenant", "chat", broken)

    async def refused() -> None:
        raise ConnectionRefusedError()

    with pytest.raises(DeliveryError) as raised:
        await delivery.call("tenant", "chat", refused)
    assert not raised.value.permanent and len(slept) == RetryPolicy().attempts - 1
