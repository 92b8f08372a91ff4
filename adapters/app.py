"""The composition root: the one place that creates and wires everything learnbot runs on.

Entry points (`learnbot chat`, `learnbot serve`, tests) call `build_app(settings)`, register the adapters they
need on `app.notifier`, and close the app when done. Nothing is created at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock, SystemClock
from bot.core import LearnBot
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import current_revision, head_revision, upgrade
from bot.directory import Directory, TenantDefaults
from bot.features import core_features
from bot.inbound_events import forget_before
from bot.learning_log import LearningLog
from bot.membership import Membership
from bot.metrics import Metrics
from bot.nudges.config import EngineConfig
from bot.nudges.engine import NudgeEngine
from bot.ports import Notifier
from bot.settings import Settings

log = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    pass


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    catalog: Catalog
    notifier: Notifier
    bot: LearnBot
    learning_log: LearningLog
    nudges: NudgeEngine
    membership: Membership
    metrics: Metrics

    _housekeeper: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _head: str | None = field(default=None, init=False, repr=False)

    async def start(self) -> None:
        """Start background work (nudge ticks, housekeeping). Adapters must be registered first."""
        self.nudges.start()
        self._housekeeper = asyncio.create_task(self._housekeep_hourly())

    async def stop(self) -> None:
        """Stop background work, letting a tick in progress finish."""
        if self._housekeeper is not None:
            self._housekeeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._housekeeper
            self._housekeeper = None
        await self.nudges.stop()

    async def housekeeping(self) -> None:
        """One pass of cleanup: platform event ids past the retry window, so the dedupe table stays small."""
        dropped = await forget_before(self.sessions, self.clock.now())
        if dropped:
            log.info("forgot %d processed platform event ids", dropped)

    async def _housekeep_hourly(self) -> None:
        while True:
            try:
                await self.housekeeping()
            except Exception:  # cleanup failing must not stop the bot; it retries next hour
                log.exception("housekeeping failed")
            await asyncio.sleep(3600)

    async def migrations_at_head(self) -> tuple[str | None, str | None]:
        """The database's revision and the code's newest (equal when the schema is up to date). Cheap enough for a
        readiness probe every few seconds: one small query, and the code's head read once."""
        if self._head is None:
            self._head = head_revision(self.settings.database_url)
        async with self.engine.connect() as connection:
            has_version_table = await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))
            current = (
                await connection.scalar(text("SELECT version_num FROM alembic_version")) if has_version_table else None
            )
        return current, self._head

    async def prepare_database(self, *, migrate: bool | None = None) -> None:
        """SQLite is upgraded in place on start; PostgreSQL must already be at head (`learnbot db upgrade`),
        because several replicas starting at once should not each run migrations."""
        if migrate if migrate is not None else self.settings.is_sqlite:
            _ensure_sqlite_directory(self.settings.database_url)
            await upgrade(self.engine)
            return
        current, head = await current_revision(self.engine), head_revision(self.settings.database_url)
        if current != head:
            raise SchemaOutOfDate(f"database is at revision {current}, code needs {head}: run `learnbot db upgrade`")

    async def close(self) -> None:
        await self.engine.dispose()


def _ensure_sqlite_directory(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def build_app(settings: Settings, *, clock: Clock | None = None, catalog: Catalog | None = None) -> App:
    engine = create_engine(settings.database_url)
    sessions = create_sessionmaker(engine)
    clock = clock or SystemClock()
    catalog = catalog or Catalog.load()
    notifier = Notifier()
    directory = Directory(TenantDefaults(language=settings.default_language, timezone=settings.default_timezone))
    bot = LearnBot(sessions, catalog, clock, directory, notifier)
    learning_log = LearningLog()
    metrics = Metrics()
    nudges = NudgeEngine(sessions, catalog, notifier, directory, clock, nudge_config(settings), metrics=metrics)
    # Every feature, once: each installs its command specs, actions and home sections on the bot.
    for install in [*core_features(learning_log), nudges.register]:
        install(bot)
    return App(settings, engine, sessions, clock, catalog, notifier, bot, learning_log, nudges, bot.membership, metrics)


def nudge_config(settings: Settings) -> EngineConfig:
    return EngineConfig(
        grace=timedelta(minutes=settings.nudge_grace_minutes),
        concurrency=settings.nudge_concurrency,
        pace_seconds=settings.nudge_pace_seconds,
        tick_seconds=settings.nudge_tick_seconds,
    )
