"""Retention: raw answers older than RETENTION_DAYS are emptied by the time-keeper's housekeeping, newer ones kept,
and every response row stays, so counts (rates, streaks) do not change. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from adapters.app import App, build_app
from bot.clock import ManualClock
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Window
from bot.conversations.responses import save_response
from bot.conversations.rounds import RoundPlan
from bot.conversations.tables import Response
from bot.db.models import Tenant
from bot.nudges.kind import KIND
from bot.privacy import audit
from bot.settings import Settings
from tests.privacy_support import member_ids
from tests.support import say

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


async def _answer_at(app: App, clock: ManualClock, when: datetime, text: str) -> None:
    clock.set(when)
    async with app.sessions() as session:
        tenant = (await session.scalars(select(Tenant))).one()
        anna = (await member_ids(session))["U-anna"]
        plan = RoundPlan(
            kind=KIND,
            tenant_id=tenant.id,
            audience=Audience.member(anna),
            due_at=when,
            window=Window(timedelta(hours=1)),
        )
        round = await app.conversations.open_round(session, plan)
        await save_response(session, round, anna, {"answer": text}, when)
        await session.commit()


async def test_answers_older_than_the_setting_are_emptied_newer_kept(settings: Settings, clock: ManualClock) -> None:
    app = build_app(settings.model_copy(update={"retention_days": 30}), clock=clock)
    try:
        clock.set(NOW - timedelta(days=40))
        await say(app.bot, "hello", who="anna")
        await _answer_at(app, clock, NOW - timedelta(days=31), "old")
        await _answer_at(app, clock, NOW - timedelta(days=29), "recent")
        clock.set(NOW)
        await app.housekeeping()  # the job the time-keeper runs
        async with app.sessions() as session:
            answers = [row.answers for row in await session.scalars(select(Response).order_by(Response.id))]
            entries = await audit.entries(session)
        assert answers == [{}, {"answer": "recent"}]  # both rows still count
        assert [(entry.action, entry.detail) for entry in entries] == [("retention", "rows emptied: 1")]
        await app.apply_retention()  # nothing more to do, nothing more logged
        async with app.sessions() as session:
            assert len(await audit.entries(session)) == 1
    finally:
        await app.close()


def test_retention_defaults_to_a_year() -> None:
    assert Settings().retention_days == 365
