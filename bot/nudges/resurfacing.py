"""Resurfacing: 1, 7 and 30 days after a member logged a learning, ask whether they used it, and record it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Learning, Member, Tenant
from bot.db.upsert import insert_ignore
from bot.nudges.config import EngineConfig
from bot.nudges.locking import take_write_lock
from bot.nudges.recipients import member_zone, preferences
from bot.nudges.skip_rules import recipient_for, skip_reason
from bot.nudges.tables import NudgeDelivery


class Resurfacer:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: EngineConfig) -> None:
        self._sessions = sessions
        self._config = config

    async def plan(self, now: datetime) -> int:
        """Queue a "did you use it?" for every learning that turned 1, 7 or 30 days old since the last look."""
        created = 0
        async with self._sessions() as session:
            await take_write_lock(session)
            for days in self._config.resurface_days:
                created += await self._plan_age(session, now, timedelta(days=days))
            await session.commit()
        return created

    async def _plan_age(self, session: AsyncSession, now: datetime, age: timedelta) -> int:
        newest = now - age
        oldest = newest - self._config.resurface_lookback
        # The ages are further apart than the lookback, so a delivery due in the window is this age's one.
        already = exists().where(
            NudgeDelivery.learning_id == Learning.id,
            NudgeDelivery.kind == "resurface",
            NudgeDelivery.due_at > oldest + age,
        )
        query = (
            select(Learning, Member, Tenant)
            .join(Member, Member.id == Learning.member_id)
            .join(Tenant, Tenant.id == Learning.tenant_id)
            .where(Learning.created_at > oldest, Learning.created_at <= newest, ~already)
            .limit(self._config.batch_size)
        )
        rows = (await session.execute(query)).all()
        prefs = await preferences(session, [member.id for _, member, _ in rows])
        for learning, member, tenant in rows:
            pref = prefs.get(member.id)
            # Only the member's own wishes apply: the question comes on the day it is due, whatever weekday.
            recipient = recipient_for(member_zone(member, tenant), None, pref)
            due = learning.created_at + age
            reason = skip_reason(recipient, due, include_weekends=True)
            await insert_ignore(
                session,
                NudgeDelivery,
                {
                    "idempotency_key": f"resurface{learning.id}:d{age.days}",
                    "kind": "resurface",
                    "tenant_id": tenant.id,
                    "member_id": member.id,
                    "conversation_id": pref.direct_conversation_id if pref else None,
                    "learning_id": learning.id,
                    "due_at": due,
                    "state": "skipped" if reason else "pending",
                    "reason": reason,
                    "not_before": due,
                    "attempts": 0,
                    "created_at": now,
                },
                ["idempotency_key"],
            )
        return len(rows)
