"""Turn due schedules into runs and deliveries; close runs (reminders, summaries).

Each step is a short transaction over rows claimed with `FOR UPDATE SKIP LOCKED`; unique keys (one run per
schedule and due time, one delivery per idempotency key) make a repeated or concurrent step harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.db.upsert import insert_ignore
from bot.model import ConversationKind
from bot.nudges.config import EngineConfig
from bot.nudges.locking import insert_ignore_many, take_write_lock
from bot.nudges.schedules import fires_at, next_fire
from bot.nudges.skip_rules import Recipient, skip_reason
from bot.nudges.tables import (
    NudgeAnswer,
    NudgeDelivery,
    NudgePreference,
    NudgeRun,
    NudgeSchedule,
    NudgeTeamSetting,
)

log = logging.getLogger(__name__)
# After this many runs in a row missed (a long outage), jump ahead instead of recording each one.
MAX_MISSED_RECORDS = 100


@dataclass(frozen=True)
class _Target:
    member_id: int | None  # None: the schedule's channel itself
    recipient: Recipient
    direct_conversation_id: int | None


async def team_country(session: AsyncSession, tenant_id: int) -> str | None:
    setting = await session.get(NudgeTeamSetting, tenant_id)
    return setting.country if setting else None


async def preferences(session: AsyncSession, member_ids: list[int]) -> dict[int, NudgePreference]:
    if not member_ids:
        return {}
    rows = await session.scalars(select(NudgePreference).where(NudgePreference.member_id.in_(member_ids)))
    return {row.member_id: row for row in rows}


def member_zone(member: Member, tenant: Tenant) -> str:
    return member.timezone or tenant.timezone


async def schedule_targets(session: AsyncSession, schedule: NudgeSchedule, tenant: Tenant) -> list[_Target]:
    """Who a schedule asks: its channel, its owner, or each member of its channel, with their skip-rule facts."""
    country = await team_country(session, tenant.id)
    if schedule.target == "channel":
        return [_Target(None, Recipient(tenant.timezone, country), None)]
    # A 1:1 chat the platform already gave us (e.g. Teams opens one for every roster member at install).
    link = aliased(ConversationMember)
    known_direct = (
        select(link.conversation_id)
        .join(Conversation, Conversation.id == link.conversation_id)
        .where(link.member_id == Member.id, Conversation.kind == ConversationKind.DIRECT.value)
        .order_by(link.conversation_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # Plain columns, not ORM objects: a channel can have thousands of members.
    query = select(
        Member.id,
        Member.timezone,
        NudgePreference.country,
        NudgePreference.opted_out,
        NudgePreference.paused,
        NudgePreference.paused_until,
        func.coalesce(NudgePreference.direct_conversation_id, known_direct),
    ).outerjoin(NudgePreference, NudgePreference.member_id == Member.id)
    if schedule.target == "owner":
        query = query.where(Member.id == schedule.owner_member_id)
    else:
        query = query.join(ConversationMember, ConversationMember.member_id == Member.id).where(
            ConversationMember.conversation_id == schedule.conversation_id
        )
    targets = []
    for member_id, zone, own_country, opted_out, paused, until, direct in (await session.execute(query)).all():
        recipient = Recipient(zone or tenant.timezone, own_country or country, bool(opted_out), bool(paused), until)
        targets.append(_Target(member_id, recipient, direct))
    return targets


async def schedule_zones(session: AsyncSession, schedule: NudgeSchedule, tenant: Tenant) -> set[str]:
    targets = await schedule_targets(session, schedule, tenant)
    return {target.recipient.zone for target in targets} or {tenant.timezone}


class Planner:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: EngineConfig) -> None:
        self._sessions = sessions
        self._config = config

    async def plan(self, now: datetime) -> int:
        """Fire every schedule that is due at `now`. Returns the number of runs created (sent or missed)."""
        total = 0
        while True:
            async with self._sessions() as session:
                await take_write_lock(session)
                query = (
                    select(NudgeSchedule)
                    .where(NudgeSchedule.next_due_at <= now, NudgeSchedule.paused.is_(False))
                    .order_by(NudgeSchedule.next_due_at, NudgeSchedule.id)
                    .limit(self._config.batch_size)
                    .with_for_update(skip_locked=True)
                )
                schedules = list((await session.scalars(query)).all())
                for schedule in schedules:
                    total += await self._fire(session, schedule, now)
                await session.commit()
            if len(schedules) < self._config.batch_size:
                return total

    async def _fire(self, session: AsyncSession, schedule: NudgeSchedule, now: datetime) -> int:
        tenant = await session.get_one(Tenant, schedule.tenant_id)
        targets = await schedule_targets(session, schedule, tenant)
        zones = {target.recipient.zone for target in targets} or {tenant.timezone}
        due = schedule.next_due_at
        runs = 0
        while due is not None and due <= now:
            missed = now - due > self._config.grace
            run = await self._run(session, schedule, due, "missed" if missed else "open")
            if not missed:
                await self._deliveries(session, schedule, run, targets)
            runs += 1
            if missed and runs >= MAX_MISSED_RECORDS:
                log.warning("schedule %s missed more than %d runs; skipping ahead", schedule.id, runs)
                due = next_fire(schedule.cron, zones, now - self._config.grace)
            else:
                due = next_fire(schedule.cron, zones, due)
        schedule.next_due_at = due
        return runs

    async def _run(self, session: AsyncSession, schedule: NudgeSchedule, due: datetime, state: str) -> NudgeRun:
        remind_at = due + _hours(schedule.reminder_hours) if schedule.reminder_hours and state == "open" else None
        values = {
            "schedule_id": schedule.id,
            "tenant_id": schedule.tenant_id,
            "due_at": due,
            "state": state,
            "prompt_set": schedule.prompt_set,
            "closes_at": due + self._config.run_open,
            "remind_at": remind_at,
            "created_at": due,
        }
        await insert_ignore(session, NudgeRun, values, ["schedule_id", "due_at"])
        query = select(NudgeRun).where(NudgeRun.schedule_id == schedule.id, NudgeRun.due_at == due)
        return (await session.scalars(query)).one()

    async def _deliveries(
        self, session: AsyncSession, schedule: NudgeSchedule, run: NudgeRun, targets: list[_Target]
    ) -> None:
        firing = {zone: fires_at(schedule.cron, zone, run.due_at) for zone in {t.recipient.zone for t in targets}}
        # Read the ORM attributes once: this loop runs once per member of a channel that may have thousands.
        run_id, tenant_id, due = run.id, run.tenant_id, run.due_at
        channel_id, weekends = schedule.conversation_id, schedule.include_weekends
        rows = []
        for target in targets:
            if not firing[target.recipient.zone]:
                continue  # this member's 09:00 is another instant
            reason = skip_reason(target.recipient, due, include_weekends=weekends)
            if target.member_id is None:
                key = f"run{run_id}:c{channel_id}"
                conversation_id: int | None = channel_id
            else:
                key = f"run{run_id}:m{target.member_id}"
                conversation_id = target.direct_conversation_id
            rows.append(
                {
                    "idempotency_key": key,
                    "kind": "prompt",
                    "tenant_id": tenant_id,
                    "run_id": run_id,
                    "member_id": target.member_id,
                    "conversation_id": conversation_id,
                    "due_at": due,
                    "state": "skipped" if reason else "pending",
                    "reason": reason,
                    "not_before": due,
                    "attempts": 0,
                    "created_at": due,
                }
            )
        await insert_ignore_many(session, NudgeDelivery, rows, ["idempotency_key"])

    async def close_runs(self, now: datetime) -> None:
        """Send due reminders, close runs whose answer window ended, and queue their summaries."""
        async with self._sessions() as session:
            await take_write_lock(session)
            remind = (
                select(NudgeRun)
                .where(NudgeRun.state == "open", NudgeRun.remind_at <= now)
                .limit(self._config.batch_size)
                .with_for_update(skip_locked=True)
            )
            for run in (await session.scalars(remind)).all():
                await self._reminders(session, run, now)
                run.remind_at = None
            closing = (
                select(NudgeRun)
                .where(NudgeRun.state == "open", NudgeRun.closes_at <= now)
                .limit(self._config.batch_size)
                .with_for_update(skip_locked=True)
            )
            for run in (await session.scalars(closing)).all():
                run.state = "closed"
                schedule = await session.get(NudgeSchedule, run.schedule_id) if run.schedule_id else None
                if schedule is not None and schedule.summary:
                    await self._queue(session, f"summary{run.id}", "summary", run, None, schedule.conversation_id, now)
            await session.commit()

    async def _reminders(self, session: AsyncSession, run: NudgeRun, now: datetime) -> None:
        answered = exists().where(NudgeAnswer.delivery_id == NudgeDelivery.id)
        query = select(NudgeDelivery).where(
            NudgeDelivery.run_id == run.id,
            NudgeDelivery.kind == "prompt",
            NudgeDelivery.state == "sent",
            NudgeDelivery.member_id.is_not(None),
            ~answered,
        )
        for delivery in (await session.scalars(query)).all():
            await self._queue(
                session,
                f"remind{delivery.id}",
                "reminder",
                run,
                delivery.member_id,
                delivery.conversation_id,
                now,
                parent_id=delivery.id,
            )

    async def _queue(
        self,
        session: AsyncSession,
        key: str,
        kind: str,
        run: NudgeRun,
        member_id: int | None,
        conversation_id: int | None,
        now: datetime,
        parent_id: int | None = None,
    ) -> None:
        values = {
            "idempotency_key": key,
            "kind": kind,
            "tenant_id": run.tenant_id,
            "run_id": run.id,
            "member_id": member_id,
            "conversation_id": conversation_id,
            "parent_id": parent_id,
            "due_at": now,
            "state": "pending",
            "not_before": now,
            "attempts": 0,
            "created_at": now,
        }
        await insert_ignore(session, NudgeDelivery, values, ["idempotency_key"])


def _hours(hours: int) -> timedelta:
    return timedelta(hours=hours)
