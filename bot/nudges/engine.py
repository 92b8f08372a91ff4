"""The engine's façade: one `tick()` that plans and delivers, and an AsyncIOScheduler that calls it.

APScheduler only keeps time here (an interval job, in memory); every schedule, run and delivery lives in our
tables, so a restart or a second replica picks up exactly where the tables say.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.directory import Directory
from bot.metrics import Metrics
from bot.nudges.answers import Answers
from bot.nudges.commands import NudgeCommands
from bot.nudges.config import EngineConfig
from bot.nudges.dispatcher import DeliveryReport, Dispatcher, Sleep
from bot.nudges.home import NudgeHome
from bot.nudges.locking import WriteTurns
from bot.nudges.pipeline import Planning
from bot.nudges.planner import Planner
from bot.nudges.resurfacing import Resurfacer
from bot.ports import Notifier

if TYPE_CHECKING:
    from bot.core import LearnBot

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    runs: int
    resurfaced: int
    delivery: DeliveryReport


class NudgeEngine:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        notifier: Notifier,
        directory: Directory,
        clock: Clock,
        config: EngineConfig | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        name: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.config = config or EngineConfig()
        self.clock = clock
        turns = WriteTurns(sessions)  # the planner and the delivery pass run side by side
        self.planner = Planner(sessions, self.config, turns)
        self.resurfacer = Resurfacer(sessions, self.config)
        self.dispatcher = Dispatcher(
            sessions,
            catalog,
            notifier,
            directory,
            clock,
            self.config,
            sleep=sleep,
            name=name,
            turns=turns,
            metrics=metrics,
        )
        self.commands = NudgeCommands(self.config)
        self.answers = Answers()
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[TickReport] | None = None

    def register(self, bot: LearnBot) -> None:
        """Add the nudge commands, answer actions and reply interceptor to a LearnBot."""
        self.commands.register(bot)
        self.answers.register(bot)
        NudgeHome(self.commands).register(bot)

    async def tick(self) -> TickReport:
        """Plan due runs, resurfacing and closings at the clock's now, and send everything due. Sending starts
        while planning still writes a large fan-out."""
        now = self.clock.now()
        planning = Planning()
        await self.dispatcher.recover(now)  # before planning takes the (SQLite) writer's turns
        delivery = asyncio.create_task(self.dispatcher.deliver(planning, recover=False))
        try:
            runs = await self.planner.plan(now, planning.committed)
            resurfaced = await self.resurfacer.plan(now)
            await self.planner.close_runs(now)
        except asyncio.CancelledError:
            delivery.cancel()
            raise
        except Exception:
            # Let what was claimed finish and be recorded, then report the planning failure.
            planning.finish()
            try:
                await delivery
            except Exception:
                log.exception("delivery failed after a planning failure")
            raise
        planning.finish()
        return TickReport(runs, resurfaced, await delivery)

    async def _scheduled_tick(self) -> None:
        tick = asyncio.create_task(self.tick())
        self._running = tick
        try:
            # Shielded: the scheduler's shutdown cancels this job, but a tick that has claimed deliveries must
            # finish recording them; stop() waits for it.
            await asyncio.shield(tick)
        except asyncio.CancelledError:
            return  # shutting down; the tick goes on and stop() awaits it
        except Exception:  # one bad tick must not stop the next
            log.exception("nudge tick failed")
        if self._running is tick:
            self._running = None

    @property
    def running(self) -> bool:
        """Whether the scheduler is ticking."""
        return self._scheduler is not None

    def start(self) -> None:
        """Tick every `config.tick_seconds` on the running event loop (first tick right away)."""
        if self._scheduler is not None:
            return
        scheduler = AsyncIOScheduler()
        scheduler.add_job(
            self._scheduled_tick,
            "interval",
            seconds=self.config.tick_seconds,
            id="nudge-tick",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),  # APScheduler keeps wall time; the tick itself reads our clock
        )
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self) -> None:
        """Stop ticking and let a tick in progress finish, so nothing claimed is left half-recorded."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        running, self._running = self._running, None
        if running is not None:
            try:
                await running
            except Exception:
                log.exception("nudge tick failed while stopping")
