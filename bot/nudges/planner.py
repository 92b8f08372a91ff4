"""Turn due schedules into runs and deliveries; close runs (reminders, summaries).

Each step is a short transaction over rows claimed with `FOR UPDATE SKIP LOCKED`; unique keys (one run per
schedule and due time, one delivery per idempotency key) make a repeated or concurrent step harmless. A run with
more recipients than `plan_chunk` is written in several transactions and its schedule moves on only after the
last, so a crash in between fires it again and only the missing deliveries get in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Tenant
from bot.db.upsert import insert_ignore
from bot.nudges.config import EngineConfig
from bot.nudges.locking import WriteTurns, insert_ignore_many, take_write_lock
from bot.nudges.recipients import Target, schedule_targets
from bot.nudges.schedules import fires_at, next_fire
from bot.nudges.skip_rules import skip_reason
from bot.nudges.tables import (
    NudgeAnswer,
    NudgeDelivery,
    NudgeRun,
    NudgeSchedule,
)

log = logging.getLogger(__name__)
# After this many runs in a row missed (a long outage), jump ahead instead of recording each one.
MAX_MISSED_RECORDS = 100


@dataclass(frozen=True)
class _Rest:
    """Deliveries of a large run still to be written after its first transaction, and the schedule's next due
    time to set once they are."""

    schedule_id: int
    due: datetime | None
    next_due: datetime | None
    rows: list[dict[str, Any]]


class Planner:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], config: EngineConfig, turns: WriteTurns | None = None
    ) -> None:
        self._sessions = sessions
        self._config = config
        self._turns = turns or WriteTurns(sessions)

    async def plan(self, now: datetime, committed: Callable[[], None] | None = None) -> int:
        """Fire every schedule that is due at `now`. Returns the number of runs created (sent or missed).

        `committed` is called after each transaction that wrote deliveries, so a delivery pass running alongside
        can start sending them."""
        total = 0
        while True:
            rests: list[_Rest] = []
            async with self._turns.session() as session:
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
                    total += await self._fire(session, schedule, now, rests)
                await session.commit()
            if committed is not None:
                committed()
            for rest in rests:
                await self._finish(rest, committed)
            if len(schedules) < self._config.batch_size:
                return total

    async def _fire(self, session: AsyncSession, schedule: NudgeSchedule, now: datetime, rests: list[_Rest]) -> int:
        tenant = await session.get_one(Tenant, schedule.tenant_id)
        targets = await schedule_targets(session, schedule, tenant)
        zones = {target.recipient.zone for target in targets} or {tenant.timezone}
        due = schedule.next_due_at
        runs = 0
        rows: list[dict[str, Any]] = []
        while due is not None and due <= now:
            missed = now - due > self._config.grace
            run = await self._run(session, schedule, due, "missed" if missed else "open")
            if not missed:
                rows += self._deliveries(schedule, run, targets)
            runs += 1
            if missed and runs >= MAX_MISSED_RECORDS:
                log.warning("schedule %s missed more than %d runs; skipping ahead", schedule.id, runs)
                due = next_fire(schedule.cron, zones, now - self._config.grace)
            else:
                due = next_fire(schedule.cron, zones, due)
        chunk = self._config.plan_chunk
        await insert_ignore_many(session, NudgeDelivery, rows[:chunk], ["idempotency_key"])
        if len(rows) <= chunk:
            schedule.next_due_at = due
        else:
            # A large fan-out: the rest goes in later transactions, so sending starts while it is written. The
            # schedule stays due until the last one: after a crash it fires again and the idempotency keys let
            # only the missing deliveries in.
            rests.append(_Rest(schedule.id, schedule.next_due_at, due, rows[chunk:]))
        return runs

    async def _finish(self, rest: _Rest, committed: Callable[[], None] | None) -> None:
        chunk = self._config.plan_chunk
        for start in range(0, len(rest.rows), chunk):
            async with self._turns.session() as session:
                await take_write_lock(session)
                await insert_ignore_many(session, NudgeDelivery, rest.rows[start : start + chunk], ["idempotency_key"])
                await session.commit()
            if committed is not None:
                committed()
        async with self._turns.session() as session:
            await take_write_lock(session)
            # Only if nobody moved it meanwhile (another replica may have fired it again between our chunks).
            await session.execute(
                update(NudgeSchedule)
                .where(NudgeSchedule.id == rest.schedule_id, NudgeSchedule.next_due_at == rest.due)
                .values(next_due_at=rest.next_due)
            )
            await session.commit()

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

    @staticmethod
    def _deliveries(schedule: NudgeSchedule, run: NudgeRun, targets: list[Target]) -> list[dict[str, Any]]:
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
        return rows

    async def close_runs(self, now: datetime) -> None:
        """Send due reminders, close runs whose answer window ended, and queue their summaries."""
        async with self._turns.session() as session:
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
