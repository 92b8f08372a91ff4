"""Pacing and retries for calls to the Bot Connector.

Teams allows about 7 sends per second per conversation and about 30 per second per app per tenant and answers
429 beyond that; botbuilder does not retry 429 (nor POSTs on 5xx). Every outbound call goes through `Delivery`:
it waits for a slot in both buckets, retries 429/412/502/503/504 and network errors with exponential backoff and
full jitter (never shorter than Retry-After), and raises RateLimited / DeliveryError when it gives up, so the
caller can reschedule instead of losing the message.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from bot.ports import DeliveryError, RateLimited, RateScope

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
RETRY_STATUSES = frozenset({412, 429, 502, 503, 504})
# The bot was removed, the conversation or member is gone: trying again cannot help.
PERMANENT_STATUSES = frozenset({400, 403, 404, 410})


@dataclass
class TokenBucket:
    """`rate` calls per second with bursts of `burst`. Reservations may go into debt; the debt is the wait."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    updated: float | None = None

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def reserve(self, now: float) -> float:
        """Take one token; returns how long to wait before using it."""
        if self.updated is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Pacer:
    """One bucket per conversation and one per tenant; a call waits for both."""

    def __init__(
        self, conversation_rate: float, tenant_rate: float, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._conversation_rate = conversation_rate
        self._tenant_rate = tenant_rate
        self._monotonic = monotonic
        self._conversations: dict[str, TokenBucket] = {}
        self._tenants: dict[str, TokenBucket] = {}

    def _bucket(self, buckets: dict[str, TokenBucket], key: str, rate: float) -> TokenBucket:
        bucket = buckets.get(key)
        if bucket is None:
            if len(buckets) > 10_000:  # forget idle conversations now and then; a full bucket is the default
                buckets.clear()
            bucket = buckets[key] = TokenBucket(rate, max(1.0, rate))
        return bucket

    def reserve(self, tenant: str, conversation: str | None) -> float:
        now = self._monotonic()
        wait = self._bucket(self._tenants, tenant, self._tenant_rate).reserve(now)
        if conversation is not None:
            bucket = self._bucket(self._conversations, conversation, self._conversation_rate)
            wait = max(wait, bucket.reserve(now))
        return wait


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Full jitter over an exponential ceiling, but at least what the server asked for."""
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        return max(retry_after or 0.0, rng.uniform(ceiling / 2, ceiling))


def failure_status(error: BaseException) -> tuple[int | None, float | None]:
    """HTTP status and Retry-After (seconds) of a failed connector call (msrest's HttpOperationError)."""
    response: Any = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    retry_after: float | None = None
    headers = getattr(response, "headers", None)
    if headers is not None:
        try:
            retry_after = float(headers.get("Retry-After"))
        except (TypeError, ValueError):
            retry_after = None
    return (int(status) if isinstance(status, int) else None), retry_after


def _is_network_error(error: BaseException) -> bool:
    return isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError)


class Delivery:
    def __init__(
        self,
        pacer: Pacer,
        policy: RetryPolicy | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.pacer = pacer
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()

    async def call(self, tenant: str, conversation: str | None, operation: Callable[[], Awaitable[T]]) -> T:
        """Run `operation` paced for (tenant, conversation), retrying what Teams says is worth retrying."""
        attempt = 0
        while True:
            wait = self.pacer.reserve(tenant, conversation)
            if wait > 0:
                await self._sleep(wait)
            try:
                return await operation()
            except Exception as error:
                status, retry_after = failure_status(error)
                if status is None and not _is_network_error(error):
                    raise
                retryable = status in RETRY_STATUSES or status is None
                if not retryable:
                    permanent = status in PERMANENT_STATUSES
                    raise DeliveryError(f"Bot Connector answered {status}", permanent=permanent) from error
                attempt += 1
                delay = self.policy.delay(attempt - 1, retry_after, self._rng)
                if attempt >= self.policy.attempts:
                    log.warning("giving up on %s after %d attempts (last: %s)", conversation, attempt, status)
                    if status == 429:
                        # Teams limits each bot per conversation first; without one, the tenant is what answered.
                        scope: RateScope = "conversation" if conversation else "tenant"
                        raise RateLimited(delay, "Teams kept answering 429 Too Many Requests", scope=scope) from error
                    raise DeliveryError(f"Bot Connector kept failing ({status or error!r})") from error
                log.info("Bot Connector answered %s for %s; retrying in %.2fs", status or error, conversation, delay)
                await self._sleep(delay)
