"""The composition root: the one place that creates and wires everything learnbot runs on.

Entry points (`learnbot chat`, `learnbot serve`, tests) call `build_app(settings)`, register the adapters they
need on `app.notifier`, and close the app when done. Nothing is created at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.slack import personal_data as slack_personal_data
from bot import (
    circles,
    digest,
    goals,
    kudos,
    learning,
    mentoring,
    nudges,
    privacy,
    programmes,
    retros,
    scorecard,
    stats,
)
from bot.catalog import Catalog
from bot.circles import indicators as circle_indicators
from bot.clock import Clock, SystemClock
from bot.conversations import indicators as conversation_indicators
from bot.conversations.config import EngineConfig
from bot.conversations.engine import ConversationEngine
from bot.core import LearnBot
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import current_revision, head_revision, upgrade
from bot.directory import Directory, TenantDefaults
from bot.features import core_features
from bot.goals import indicators as goal_indicators
from bot.inbound_events import forget_before
from bot.learning import indicators as learning_indicators
from bot.learning.log import LearningLog
from bot.membership import Membership
from bot.mentoring import indicators as mentoring_indicators
from bot.metrics import Metrics
from bot.people.reach import Reach
from bot.ports import Notifier
from bot.privacy.k_anonymity import Rule
from bot.privacy.service import Retention
from bot.retros import indicators as retro_indicators
from bot.settings import Settings
from bot.timekeeper import TimeKeeper

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
    conversations: ConversationEngine
    membership: Membership
    reach: Reach
    metrics: Metrics
    retention: Retention
    scorecard: scorecard.Scorecard
    timekeeper: TimeKeeper = field(init=False)
    _head: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.timekeeper = TimeKeeper(
            self.clock,
            self.conversations.tick,
            self.conversations.next_due,
            tick_seconds=self.conversations.config.tick_seconds,
        )
        self.timekeeper.add_housekeeping(
            "platform-events", self.housekeeping, every_seconds=self.conversations.config.housekeeping_seconds
        )
        self.conversations.on_change(self.timekeeper.notice)

    async def start(self) -> None:
        """Start background work (the engine's ticks, housekeeping). Adapters must be registered first."""
        self.conversations.resume()
        self.timekeeper.start()

    async def stop(self) -> None:
        """Stop background work, letting a tick in progress finish its sends in flight (it claims no more)."""
        self.conversations.wind_down()
        await self.timekeeper.stop()

    async def housekeeping(self) -> None:
        """One pass of cleanup: platform event ids past the retry window, so the dedupe table stays small; raw
        answers past RETENTION_DAYS."""
        dropped = await forget_before(self.sessions, self.clock.now())
        if dropped:
            log.info("forgot %d processed platform event ids", dropped)
        await self.apply_retention()

    async def apply_retention(self) -> None:
        """Raw answers and notes past RETENTION_DAYS are emptied (counts stay)."""
        emptied = await self.retention.run(self.clock.now())
        if emptied:
            log.info("retention emptied %d rows older than %d days", emptied, self.retention.days)

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
    conversations = ConversationEngine(
        sessions, catalog, notifier, directory, clock, engine_config(settings), metrics=metrics
    )
    # The one k-anonymity rule with the team's K, for every figure a manager sees.
    k_anonymity = Rule(settings.k_anonymity)
    # The scorecard's indicators, each a feature's own aggregate.
    scorecards = scorecard.Scorecard(
        k_anonymity,
        (
            *conversation_indicators.INDICATORS,
            *learning_indicators.INDICATORS,
            *retro_indicators.INDICATORS,
            *mentoring_indicators.INDICATORS,
            *circle_indicators.INDICATORS,
            *goal_indicators.INDICATORS,
        ),
    )
    # Every feature, once: each installs its command specs, actions, kinds and home sections on the bot.
    features: list[Callable[[LearnBot], object]] = [
        *core_features(),
        partial(learning.install, engine=conversations, log=learning_log),
        conversations.register,
        partial(nudges.install, engine=conversations),
        partial(privacy.install, retention_days=settings.retention_days, k=settings.k_anonymity),
        partial(retros.install, engine=conversations, learning_log=learning_log, rule=k_anonymity),
        partial(mentoring.install, engine=conversations, learning_log=learning_log, rule=k_anonymity),
        partial(goals.install, engine=conversations),
        partial(programmes.install, engine=conversations, exhibits={"scorecard": scorecard.Exhibit(scorecards)}),
        partial(circles.install, engine=conversations, rule=k_anonymity),
        partial(kudos.install, learning_log=learning_log, reactions=settings.kudos_reaction_names),
        stats.install,
        partial(digest.install, engine=conversations, rule=k_anonymity),
        partial(scorecard.install, scorecard=scorecards),
    ]
    # The Slack tables exist in every database (the migrations create them), so their contract always applies.
    bot.personal_data.register(slack_personal_data.CONTRACT)
    for install in features:
        install(bot)
    return App(
        settings,
        engine,
        sessions,
        clock,
        catalog,
        notifier,
        bot,
        learning_log,
        conversations,
        bot.membership,
        bot.direct_reach,
        metrics,
        Retention(sessions, bot.personal_data, settings.retention_days),
        scorecards,
    )


def engine_config(settings: Settings) -> EngineConfig:
    return EngineConfig(
        grace=timedelta(minutes=settings.nudge_grace_minutes),
        lease=timedelta(seconds=settings.nudge_lease_seconds),
        concurrency=settings.nudge_concurrency,
        pace_seconds=settings.nudge_pace_seconds,
        tick_seconds=settings.nudge_tick_seconds,
    )
