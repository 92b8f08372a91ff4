"""Claim due deliveries and send them through the Notifier, exactly once per idempotency key.

A claim is one short transaction: `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id` marks rows
`sending` with our name and the time. Sends run with bounded concurrency and per-conversation pacing; results are
written back in batches while the next batch is already being sent. A crash between claim and record leaves rows
`sending`; after the lease they are handed out again, so at most the in-flight ones are sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.db.base import UtcDateTime
from bot.db.models import ConversationMember, Tenant
from bot.db.upsert import insert_ignore
from bot.directory import Directory
from bot.model import ConversationRef, SentRef
from bot.nudges.config import EngineConfig
from bot.nudges.locking import take_write_lock
from bot.nudges.outgoing import Outgoing, load_outgoing
from bot.nudges.tables import NudgeDelivery, NudgePreference
from bot.ports import DeliveryError, Notifier, RateLimited

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class _Result:
    outgoing: Outgoing
    sent: SentRef | None = None
    opened: ConversationRef | None = None  # a DM opened for this send, to remember
    retry_at: datetime | None = None
    failed: str | None = None
    reason: str | None = None
    counts_attempt: bool = True


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    claimed_by: set[str] = field(default_factory=set)


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        notifier: Notifier,
        directory: Directory,
        clock: Clock,
        config: EngineConfig,
        *,
        sleep: Sleep = asyncio.sleep,
        name: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._catalog = catalog
        self._notifier = notifier
        self._directory = directory
        self._clock = clock
        self._config = config
        self._sleep = sleep
        self.name = name or f"dispatcher-{uuid.uuid4().hex[:12]}"
        # Platform-wide pauses after a Retry-After: no send to that platform before the instant.
        self._paused_until: dict[str, datetime] = {}

    # --- claiming -----------------------------------------------------------------------------------------

    async def recover(self, now: datetime) -> None:
        """Hand out again what crashed dispatchers claimed; give up on deliveries far past their due time."""
        async with self._sessions() as session:
            await session.execute(
                update(NudgeDelivery)
                .where(NudgeDelivery.state == "sending", NudgeDelivery.claimed_at < now - self._config.lease)
                .values(state="pending", claimed_by=None)
            )
            await session.execute(
                update(NudgeDelivery)
                .where(NudgeDelivery.state == "pending", NudgeDelivery.due_at < now - self._config.give_up_after)
                .values(state="failed", reason=_give_up_reason(self._config.give_up_after))
            )
            await session.commit()

    async def claim(self, limit: int) -> list[Outgoing]:
        """Take up to `limit` due deliveries for this dispatcher and build their messages."""
        now = self._clock.now()
        async with self._sessions() as session:
            await take_write_lock(session)
            due = (
                select(NudgeDelivery.id)
                .where(NudgeDelivery.state == "pending", NudgeDelivery.not_before <= now)
                .order_by(NudgeDelivery.not_before, NudgeDelivery.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            claimed = (
                update(NudgeDelivery)
                .where(NudgeDelivery.id.in_(due), NudgeDelivery.state == "pending")
                .values(state="sending", claimed_by=self.name, claimed_at=now)
                .returning(NudgeDelivery.id)
            )
            ids = list((await session.scalars(claimed)).all())
            outgoing = await load_outgoing(session, self._catalog, ids) if ids else []
            await session.commit()
        return outgoing

    # --- sending ------------------------------------------------------------------------------------------

    async def deliver(self) -> DeliveryReport:
        """Send everything due now, batch after batch, until nothing due is left."""
        report = DeliveryReport()
        await self.recover(self._clock.now())
        pacing: dict[str, tuple[asyncio.Lock, list[datetime]]] = {}
        limiter = asyncio.Semaphore(self._config.concurrency)
        batch = await self.claim(self._config.batch_size)
        recording: asyncio.Task[None] | None = None
        prefetch: asyncio.Task[list[Outgoing]] | None = None
        try:
            while batch:
                # Claim the next batch while this one is on the wire.
                prefetch = asyncio.create_task(self.claim(self._config.batch_size))
                results = await asyncio.gather(*(self._send(item, limiter, pacing) for item in batch))
                if recording is not None:
                    await recording
                recording = asyncio.create_task(self._record(results, report))
                batch = await prefetch
                prefetch = None
            if recording is not None:
                await recording
                recording = None
        finally:
            for task in (prefetch, recording):
                if task is not None and not task.done():
                    task.cancel()
        return report

    async def _send(
        self,
        item: Outgoing,
        limiter: asyncio.Semaphore,
        pacing: dict[str, tuple[asyncio.Lock, list[datetime]]],
    ) -> _Result:
        async with limiter:
            if item.conversation is None:
                return await self._send_now(item)
            lock, last = pacing.setdefault(item.conversation.id, (asyncio.Lock(), []))
            async with lock:
                if last:
                    wait = (last[0] + timedelta(seconds=self._config.pace_seconds) - self._clock.now()).total_seconds()
                    if wait > 0:
                        await self._sleep(wait)
                result = await self._send_now(item)
                last[:] = [self._clock.now()]
                return result

    async def _send_now(self, item: Outgoing) -> _Result:
        platform = item.platform
        paused = self._paused_until.get(platform)
        now = self._clock.now()
        if paused is not None and now < paused:
            return _Result(item, retry_at=paused, reason="rate limited", counts_attempt=False)
        try:
            conversation = item.conversation
            opened = None
            if conversation is None:
                assert item.user is not None
                conversation = opened = await self._notifier.open_direct(item.user)
            sent = await self._notifier.send(conversation, item.message)
            return _Result(item, sent=sent, opened=opened)
        except RateLimited as error:
            until = self._clock.now() + timedelta(seconds=max(error.retry_after, 0.0))
            self._paused_until[platform] = max(until, self._paused_until.get(platform, until))
            return _Result(item, retry_at=until, reason=error.reason, counts_attempt=False)
        except DeliveryError as error:
            if error.permanent:
                return _Result(item, failed=error.reason)
            return self._backoff(item, error.reason)
        except Exception as error:  # an adapter bug must not stop the other deliveries
            log.exception("sending delivery %s failed", item.delivery_id)
            return self._backoff(item, f"{type(error).__name__}: {error}")

    def _backoff(self, item: Outgoing, reason: str) -> _Result:
        if item.attempts + 1 >= self._config.max_attempts:
            return _Result(item, failed=f"gave up after {item.attempts + 1} attempts: {reason}")
        delay = self._config.backoff_seconds * 2**item.attempts
        return _Result(item, retry_at=self._clock.now() + timedelta(seconds=delay), reason=reason)

    # --- recording ----------------------------------------------------------------------------------------

    async def _record(self, results: list[_Result], report: DeliveryReport) -> None:
        now = self._clock.now()
        sent: list[dict[str, Any]] = []
        retried: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        async with self._sessions() as session:
            for result in results:
                item = result.outgoing
                if result.sent is not None:
                    conversation_id = None
                    if result.opened is not None:
                        conversation_id = await self._remember_direct(session, item, result.opened, now)
                    sent.append(
                        {"b_id": item.delivery_id, "b_message": result.sent.id, "b_conversation": conversation_id}
                    )
                elif result.failed is not None:
                    failed.append({"b_id": item.delivery_id, "b_reason": result.failed[:300]})
                else:
                    attempts = item.attempts + (1 if result.counts_attempt else 0)
                    retried.append(
                        {
                            "b_id": item.delivery_id,
                            "b_reason": (result.reason or "")[:300],
                            "b_not_before": result.retry_at,
                            "b_attempts": attempts,
                        }
                    )
            # Core executemany, not ORM objects: this runs for every batch of a large fan-out.
            table = cast(Table, NudgeDelivery.__table__)
            mine = (table.c.id == bindparam("b_id")) & (table.c.claimed_by == self.name)
            if sent:
                await session.execute(
                    update(table)
                    .where(mine)
                    .values(
                        state="sent",
                        sent_at=now,
                        sent_message_id=bindparam("b_message"),
                        conversation_id=func.coalesce(bindparam("b_conversation"), table.c.conversation_id),
                        reason=None,
                        claimed_by=None,
                    ),
                    sent,
                )
            if failed:
                await session.execute(
                    update(table).where(mine).values(state="failed", reason=bindparam("b_reason"), claimed_by=None),
                    failed,
                )
            if retried:
                await session.execute(
                    update(table)
                    .where(mine)
                    .values(
                        state="pending",
                        reason=bindparam("b_reason"),
                        not_before=bindparam("b_not_before", type_=UtcDateTime()),
                        attempts=bindparam("b_attempts"),
                        claimed_by=None,
                    ),
                    retried,
                )
            await session.commit()
        report.sent += len(sent)
        report.failed += len(failed)
        report.retried += len(retried)
        report.claimed_by.add(self.name)

    async def _remember_direct(
        self, session: AsyncSession, item: Outgoing, conversation: ConversationRef, now: datetime
    ) -> int:
        tenant = await session.get_one(Tenant, item.tenant_id)
        stored = await self._directory.conversation(session, tenant, conversation, now)
        if item.member_id is not None:
            # Linked like any 1:1 chat, so Membership (and adapters) see it too.
            link = {"conversation_id": stored.id, "member_id": item.member_id, "seen_at": now}
            await insert_ignore(session, ConversationMember, link, ["conversation_id", "member_id"])
            await insert_ignore(session, NudgePreference, {"member_id": item.member_id}, ["member_id"])
            await session.execute(
                update(NudgePreference)
                .where(NudgePreference.member_id == item.member_id)
                .values(direct_conversation_id=stored.id)
            )
        return stored.id


def _give_up_reason(after: timedelta) -> str:
    return f"not sent within {int(after.total_seconds() // 3600)} h of its due time"
