"""The moving parts of one delivery pass: the queue between claimer, senders and recorder, and per-conversation
pacing. Kept light on purpose: a fan-out pushes every delivery through here while sends are in flight."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.conversations.config import EngineConfig
from bot.conversations.outgoing import Outgoing
from bot.conversations.recording import SendResult


class Planning:
    """Planning running alongside a delivery pass: the pass keeps claiming until planning is done, and claims again
    each time planning commits deliveries."""

    def __init__(self) -> None:
        self.done = False
        self._changed = asyncio.Event()

    def committed(self) -> None:
        self._changed.set()

    def finish(self) -> None:
        self.done = True
        self._changed.set()

    async def wait(self) -> None:
        """Until planning commits again or finishes (at once if it did since the last wait)."""
        await self._changed.wait()
        self._changed.clear()


class Permits:
    """A counting semaphore whose permits come back in bulk (one recorder commit returns many)."""

    def __init__(self, count: int) -> None:
        self._free = count
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter  # the releaser handed this permit over

    def release_many(self, count: int) -> None:
        for _ in range(count):
            while self._waiters and self._waiters[0].done():
                self._waiters.popleft()
            if self._waiters:
                self._waiters.popleft().set_result(None)
            else:
                self._free += 1


class Flow:
    """State shared by one deliver() call's claimer, senders and recorder."""

    def __init__(self, config: EngineConfig) -> None:
        self.queue: deque[Outgoing] = deque()
        self.low_water = config.batch_size // 2
        self.want_more = asyncio.Event()  # a sender saw the queue run low
        self.idle: list[asyncio.Future[None]] = []  # senders waiting for the queue to fill
        self.claims_done = False
        self.results: list[SendResult] = []
        self.flush = asyncio.Event()
        self.senders_done = False
        self.held_back = False  # a rate-limit pause sent something back to the table during this pass
        # Sent but not yet committed, plus in flight: at most `concurrency` (what a crash may send twice).
        self.permits = Permits(config.concurrency)

    def wake_senders(self) -> None:
        idle, self.idle = self.idle, []
        for waiter in idle:
            if not waiter.done():
                waiter.set_result(None)

    def add(self, result: SendResult) -> None:
        """Hand a result to the recorder, which writes whatever is waiting each time it is free."""
        self.results.append(result)
        self.flush.set()


class Pacing:
    """Sends to one conversation go one at a time and `seconds` apart (Slack allows about one per second).

    A lock exists only while a conversation has a send in progress or waiting, and the last send time is a plain
    datetime: a fan-out to ten thousand DMs must not leave ten thousand locks for the garbage collector to scan.
    """

    def __init__(self, clock: Clock, seconds: float, sleep: Callable[[float], Awaitable[None]]) -> None:
        self._clock = clock
        self._pace = timedelta(seconds=seconds)
        self._sleep = sleep
        self._last: dict[str, datetime] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    async def run(self, conversation: str, send: Callable[[], Awaitable[SendResult]]) -> SendResult:
        self._users[conversation] = self._users.get(conversation, 0) + 1
        lock = self._locks.get(conversation)
        if lock is None:
            lock = self._locks[conversation] = asyncio.Lock()
        try:
            async with lock:
                last = self._last.get(conversation)
                if last is not None:
                    wait = (last + self._pace - self._clock.now()).total_seconds()
                    if wait > 0:
                        await self._sleep(wait)
                result = await send()
                self._last[conversation] = self._clock.now()
                return result
        finally:
            left = self._users[conversation] - 1
            if left:
                self._users[conversation] = left
            else:
                del self._users[conversation], self._locks[conversation]
