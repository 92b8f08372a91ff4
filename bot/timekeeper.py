"""The one keeper of time: an AsyncIOScheduler that ticks the conversation engine on an interval, wakes it at the
next due instant it knows of (a prompt due at 09:00:00 goes out at 09:00:00, not on the next tick), and runs
housekeeping jobs. APScheduler holds no domain data here: every job is in memory and the tables are the truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[Any]]
NextDue = Callable[[], Awaitable[datetime | None]]


class TimeKeeper:
    def __init__(self, clock: Clock, tick: Job, next_due: NextDue, *, tick_seconds: float) -> None:
        self._clock = clock
        self._tick = tick
        self._next_due = next_due
        self._tick_seconds = tick_seconds
        self._housekeeping: list[tuple[str, Job, float]] = []
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[None] | None = None
        self._again = False
        self._pending: set[asyncio.Task[None]] = set()
        self._housekeepers: set[asyncio.Task[None]] = set()

    def add_housekeeping(self, name: str, job: Job, *, every_seconds: float) -> None:
        """Run `job` every `every_seconds` (first run at start); failures are logged and retried next time."""
        self._housekeeping.append((name, job, every_seconds))

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        """Start on the running event loop: a tick right away, then on the interval and at each due instant."""
        if self._scheduler is not None:
            return
        scheduler = AsyncIOScheduler()
        now = datetime.now(UTC)  # APScheduler keeps wall time; the tick itself reads our clock
        scheduler.add_job(
            self.wake,
            "interval",
            seconds=self._tick_seconds,
            id="tick",
            max_instances=1,
            coalesce=True,
            next_run_time=now,
        )
        for name, job, every in self._housekeeping:
            scheduler.add_job(
                self._housekeeper(name, job),
                "interval",
                seconds=every,
                id=f"housekeeping-{name}",
                max_instances=1,
                next_run_time=now,
            )
        scheduler.start()
        self._scheduler = scheduler

    async def wake(self) -> None:
        """Tick now (or right after the tick in progress), then plan the wake-up at the next due instant."""
        if self._running is not None:
            self._again = True
            return
        tick = asyncio.create_task(self._ticks())
        self._running = tick
        try:
            # Shielded: the scheduler's shutdown cancels this job, but a tick that has claimed deliveries must
            # finish recording them; stop() waits for it.
            await asyncio.shield(tick)
        except asyncio.CancelledError:
            return  # shutting down; the tick goes on and stop() awaits it
        if self._running is tick:
            self._running = None

    async def _ticks(self) -> None:
        while True:
            self._again = False
            try:
                await self._tick()
            except Exception:  # one bad tick must not stop the next
                log.exception("tick failed")
            if self._scheduler is None or not self._again:
                break
        await self._plan_wake()

    def notice(self) -> None:
        """Something new may be due sooner than planned: re-plan the wake-up (without waiting for it)."""
        if self._scheduler is not None:
            task = asyncio.get_running_loop().create_task(self._plan_wake())
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _plan_wake(self) -> None:
        if self._scheduler is None:
            return
        try:
            due = await self._next_due()
        except Exception:
            log.exception("could not read the next due instant")
            return
        if due is None:
            return
        delay = (due - self._clock.now()).total_seconds()
        if delay >= self._tick_seconds:
            return  # the interval tick comes first
        run_at = datetime.now(UTC) + timedelta(seconds=max(delay, 0.0))
        self._scheduler.add_job(self.wake, "date", run_date=run_at, id="wake", replace_existing=True)

    async def stop(self) -> None:
        """Stop keeping time and let a tick in progress finish, so nothing claimed is left half-recorded."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        running, self._running = self._running, None
        if running is not None:
            try:
                await running
            except Exception:
                log.exception("tick failed while stopping")
        if self._housekeepers:
            await asyncio.gather(*self._housekeepers, return_exceptions=True)

    def _housekeeper(self, name: str, job: Job) -> Job:
        async def run() -> None:
            task = asyncio.create_task(_logged(name, job))
            self._housekeepers.add(task)
            task.add_done_callback(self._housekeepers.discard)
            # Shielded like a tick: the scheduler's shutdown cancels this job, but a pass half-way through a
            # transaction is let finish (stop() waits for it) rather than cancelled mid-query.
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)

        return run


async def _logged(name: str, job: Job) -> None:
    try:
        await job()
    except Exception:  # housekeeping failing must not stop the bot; it retries next time
        log.exception("housekeeping %s failed", name)
