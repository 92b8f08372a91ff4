"""Claim due deliveries and send them through the Notifier, exactly once per idempotency key.

A claim is one short transaction: `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id` marks rows
`sending` with our name and the time. A delivery pass is a pipeline (claimer, `concurrency` senders with
per-conversation pacing, recorder), so claiming and recording overlap the sends. A crash between claim and record
leaves rows `sending`; after the lease they are handed out again. A send holds one of `concurrency` permits until
its result is committed, so sent-but-unrecorded never exceeds `concurrency`: that is all a crash can send twice.

A 429 pauses only the scope that got it (the workspace or tenant, or one conversation where the platform says so),
on every replica: the pause is written to the database and each dispatcher reloads the pauses in force about once a
second (bot.conversations.pauses), never once per send.
A member who is paused or opted out when a delivery comes due gets nothing: it is recorded as skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, bindparam, exists, func, select, true, union_all, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.conversations.budgets import Budgets
from bot.conversations.config import EngineConfig
from bot.conversations.kinds import Kinds
from bot.conversations.locking import WriteTurns, is_postgres, take_write_lock
from bot.conversations.outgoing import Outgoing, load_outgoing
from bot.conversations.pauses import SharedPauses, paused_tenants, scope_key
from bot.conversations.pipeline import Flow, Pacing, Planning
from bot.conversations.recording import (
    PostgresSentRecorder,
    SendResult,
    SentRecorder,
    SqliteSentRecorder,
    record_results,
)
from bot.conversations.tables import Delivery, in_state
from bot.db.models import Tenant
from bot.directory import Directory
from bot.log_context import bound
from bot.metrics import Metrics
from bot.model import ConversationRef
from bot.ports import DeliveryError, Notifier, RateLimited

log = logging.getLogger(__name__)
# A delivery pass waits out rate-limit pauses ending within this long instead of ending.
_HOLD_ON = timedelta(seconds=5)
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    claimed_by: set[str] = field(default_factory=set)


class Dispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        kinds: Kinds,
        notifier: Notifier,
        directory: Directory,
        clock: Clock,
        config: EngineConfig,
        *,
        sleep: Sleep = asyncio.sleep,
        name: str | None = None,
        turns: WriteTurns | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._sessions = sessions
        self._metrics = metrics or Metrics()
        self._turns = turns or WriteTurns(sessions)
        self._catalog = catalog
        self._kinds = kinds
        self._notifier = notifier
        self._directory = directory
        self._clock = clock
        self._config = config
        self._sleep = sleep
        self.name = name or f"dispatcher-{uuid.uuid4().hex[:12]}"
        # Pauses after a Retry-After, per scope ((platform, tenant) or (platform, tenant, conversation)): no send
        # in that scope before the instant, on any replica.
        self._winding_down = False
        self.pauses = SharedPauses(sessions, clock, timedelta(seconds=config.pause_refresh_seconds), self._turns)
        # Learnt per workspace from its 429s: a claim takes only what a workspace's budget allows now.
        self.budgets = Budgets()
        self._budget_wait: float | None = None  # the last claim left a tenant out until its budget refills

    # --- claiming -----------------------------------------------------------------------------------------

    async def recover(self, now: datetime) -> None:
        """Hand out again what crashed dispatchers claimed; give up on deliveries far past their due time."""
        async with self._turns.session() as session:
            expired = await session.execute(
                update(Delivery)
                .where(in_state("sending"), Delivery.claimed_at < now - self._config.lease)
                .values(state="pending", claimed_by=None)
            )
            handed_out = cast(CursorResult[Any], expired).rowcount
            if handed_out:
                self._metrics.claim_lease_expiries.inc(handed_out)
                log.warning(
                    "%d claimed deliveries were never recorded (a crashed claimer?): handed out again", handed_out
                )
            await session.execute(
                update(Delivery)
                .where(in_state("pending"), Delivery.due_at < now - self._config.give_up_after)
                .values(state="failed", reason=_give_up_reason(self._config.give_up_after))
            )
            await session.commit()

    async def claim(self, limit: int) -> list[Outgoing]:
        """Take up to `limit` due deliveries for this dispatcher and build their messages, fairly between
        workspaces: each workspace with something due gets an equal share of `limit`, at most what its send budget
        allows before the next claim, and none while it is paused. Claimed in (not_before, id) order alone, a batch
        would be mostly the workspace planned first: under its rate limit the batch comes back as retries while
        every other workspace waits behind it."""
        now = self._clock.now()
        async with self._turns.session() as session:
            await take_write_lock(session)
            caps = await self._caps(session, limit, now)
            if not caps:
                await session.commit()
                return []
            if is_postgres(session):
                # One statement: the claim is a CTE the load reads from (no id list back and forth). The due rows
                # are a MATERIALIZED CTE: evaluated once, so the planner cannot rescan the SKIP LOCKED subquery
                # (which took other rows on each rescan, more than `limit`, and slowly).
                picked = _due_postgres(caps, now).cte("due").prefix_with("MATERIALIZED")
                claimed = _claim(select(picked.c.id), self.name, now)
                outgoing = await load_outgoing(session, self._catalog, self._kinds, claimed.cte("claimed"), now)
                await session.commit()
                return _interleaved(outgoing)
            ids = list((await session.scalars(_claim(_due_sqlite(caps, now), self.name, now))).all())
            await session.commit()
        if not ids:
            return []
        # SQLite: build the messages outside the writer's turn, so the recorder (whose commits free send permits)
        # never waits for it. WAL readers do not block the writer.
        async with self._sessions() as session:
            return _interleaved(await load_outgoing(session, self._catalog, self._kinds, ids, now))

    async def _caps(self, session: AsyncSession, limit: int, now: datetime) -> dict[int, int]:
        """How many rows to claim per tenant with something due now (one index probe per tenant)."""
        due = exists().where(Delivery.tenant_id == Tenant.id, in_state("pending"), Delivery.not_before <= now)
        # Paused as the table says (any replica's) or as this replica knows (its own 429s at once).
        query = select(Tenant.id, Tenant.platform, Tenant.external_id).where(due)
        query = query.where(Tenant.id.not_in(paused_tenants(now)))
        tenants = (await session.execute(query)).all()
        self._budget_wait = None
        if not tenants:
            return {}
        # Each tenant gets at least one row, so at most `limit` tenants are useful in one claim (and SQLite takes at
        # most 500 terms in a compound SELECT): with more, a random choice keeps every one's turn coming.
        most = min(limit, _MAX_TENANTS_PER_CLAIM)
        if len(tenants) > most:
            tenants = random.sample(tenants, most)
        fair = max(math.ceil(limit / len(tenants)), 1)
        caps = {}
        for tenant_id, platform, external_id in tenants:
            key = scope_key((platform, external_id))
            if self.pauses.until([key], now) is not None:
                continue  # the claimer waits for pauses through _resume_soon
            cap = self.budgets.reserve(key, fair, now)
            if cap is None:
                cap = fair
            if cap > 0:
                caps[tenant_id] = cap
            else:
                wait = self.budgets.wait(key, now)
                self._budget_wait = wait if self._budget_wait is None else min(wait, self._budget_wait)
        return caps

    # --- sending ------------------------------------------------------------------------------------------

    async def deliver(self, planning: Planning | None = None, *, recover: bool = True) -> DeliveryReport:
        """Send everything due now until nothing due is left.

        A pipeline: one task claims the next batch while the queue still holds half a batch, `concurrency` senders
        drain the queue, and one recorder writes finished results in batches while the sends go on. The event loop
        is never busy with one large batch at a time, so the database work hides in the sends' waiting time. With
        `planning`, claiming goes on until planning is done. `recover=False`: the caller just ran recover().
        """
        report = DeliveryReport()
        if recover:
            await self.recover(self._clock.now())
        await self.pauses.refresh(force=True)  # what other replicas were told while this one was idle
        flow = Flow(self._config)
        pacing = Pacing(self._clock, self._config.pace_seconds, self._sleep)
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._claimer(flow, planning))
                recorder = tasks.create_task(self._recorder(flow, report))
                senders = [tasks.create_task(self._sender(flow, pacing)) for _ in range(self._config.concurrency)]
                await asyncio.gather(*senders)
                flow.senders_done = True
                flow.flush.set()
                await recorder
        except ExceptionGroup as group:  # callers expect the failure itself, as before the pipeline
            raise group.exceptions[0] from None
        return report

    def wind_down(self) -> None:
        """Stop claiming and hand what is claimed but unsent back to the table (the process is stopping): a pass
        over a large, rate-limited fan-out would otherwise hold a graceful stop for as long as the fan-out lasts."""
        self._winding_down = True

    def resume(self) -> None:
        """Claim again (the process started again after a stop)."""
        self._winding_down = False

    async def _claimer(self, flow: Flow, planning: Planning | None) -> None:
        batch_size = self._config.batch_size
        # The first claim is small, so the senders start as soon as a few messages are built, not a whole batch.
        claim_size = min(batch_size, 2 * self._config.concurrency)
        while True:
            if self._winding_down:
                flow.claims_done = True
                flow.wake_senders()
                return
            # Planning may commit while a claim runs (on PostgreSQL the claim may not see it): claim once more after.
            planned = planning is None or planning.done
            batch = await self.claim(claim_size)
            if not batch and not planned:
                if planning is not None and not planning.done:
                    await planning.wait()  # more deliveries are being written
                continue
            held = flow.held_back or self._budget_wait is not None
            if not batch and held and (resume := self._resume_soon()) is not None:
                # What a 429 held back is due again in a moment: wait here rather than end the pass and leave
                # it to the next tick, which comes as late or later and plans first.
                await self._sleep(resume)
                continue
            flow.claims_done = not batch
            claim_size = batch_size
            flow.queue.extend(batch)
            flow.wake_senders()
            if flow.claims_done:
                return
            while len(flow.queue) > batch_size // 2:
                flow.want_more.clear()
                await flow.want_more.wait()

    def _resume_soon(self) -> float | None:
        """Seconds until the next pause in force ends or a spent budget refills, if within `_HOLD_ON`."""
        now = self._clock.now()
        waits = [self._budget_wait] if self._budget_wait is not None else []
        ends = self.pauses.next_end(now)
        if ends is not None:
            waits.append((ends - now).total_seconds())
        wait = min(waits, default=None)
        if wait is None or wait > _HOLD_ON.total_seconds():
            return None
        return max(wait, 0.0) + 0.01

    async def _sender(self, flow: Flow, pacing: Pacing) -> None:
        queue = flow.queue
        while True:
            if not queue:
                if flow.claims_done:
                    return
                flow.want_more.set()
                waiter = asyncio.get_running_loop().create_future()
                flow.idle.append(waiter)
                await waiter
                continue
            item = queue.popleft()
            if self._winding_down:  # back to pending at once, for another replica or the next start
                flow.add(SendResult(item, retry_at=self._clock.now(), reason="stopping", counts_attempt=False))
                continue
            if len(queue) <= flow.low_water:
                flow.want_more.set()
            result = await self._send(item, pacing, flow)
            if result.retry_at is not None and not result.counts_attempt:
                flow.held_back = True
            flow.add(result)

    async def _recorder(self, flow: Flow, report: DeliveryReport) -> None:
        """Write whatever finished while the last write ran: results batch up by themselves under load, and a
        send's permit comes back as soon as its result is committed. One session for the whole pass (and on SQLite
        a driver connection for plain sends): a write per few sends must not pay a pool checkout each time."""
        async with contextlib.AsyncExitStack() as stack:
            session = await stack.enter_async_context(self._sessions())
            fast: SentRecorder | None = None
            bind = self._sessions.kw.get("bind")
            path = bind.url.database if bind is not None else None
            if bind is not None and bind.dialect.name == "postgresql":
                connection = await stack.enter_async_context(bind.connect())
                postgres = PostgresSentRecorder((await connection.get_raw_connection()).driver_connection)
                await postgres.open()
                stack.push_async_callback(postgres.aclose)
                fast = postgres
            # A file only: a second connection to ":memory:" would be another, empty database.
            elif bind is not None and bind.dialect.name == "sqlite" and path and path != ":memory:":
                connection = await stack.enter_async_context(bind.connect())
                driver = (await connection.get_raw_connection()).driver_connection
                fast = SqliteSentRecorder(path, driver, bind.dialect)
                stack.callback(fast.close)
            while True:
                if not flow.senders_done and not flow.results:
                    await flow.flush.wait()
                flow.flush.clear()
                results, flow.results = flow.results, []
                if results:
                    await self._record(session, fast, results, report)
                    flow.permits.release_many(sum(1 for result in results if result.holds_permit))
                elif flow.senders_done:
                    return

    async def _send(self, item: Outgoing, pacing: Pacing, flow: Flow) -> SendResult:
        if item.message is None:
            return SendResult(item, skipped=item.away or "away")
        if item.conversation is None:
            return await self._send_now(item, flow)
        return await pacing.run(item.conversation.id, lambda: self._send_now(item, flow))

    def _scopes(
        self, item: Outgoing, where: ConversationRef | None = None
    ) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
        tenant = (item.platform, item.tenant_external_id)
        where = where or item.conversation
        conversation = (*tenant, where.id) if where is not None else None
        return tenant, conversation

    def _paused(self, item: Outgoing, now: datetime, where: ConversationRef | None = None) -> datetime | None:
        if self.pauses.none:
            return None
        tenant, conversation = self._scopes(item, where)
        keys = [scope_key(tenant)] + ([scope_key(conversation)] if conversation else [])
        return self.pauses.until(keys, now)

    async def _send_now(self, item: Outgoing, flow: Flow) -> SendResult:
        with bound(delivery_id=item.delivery_id):
            started = time.perf_counter()
            result = await self._send_one(item, flow)
            self._observe(item, result, started)
            return result

    def _observe(self, item: Outgoing, result: SendResult, started: float) -> None:
        series = self._metrics.delivery(item.kind, item.platform)
        if result.sent is not None:
            series.send_seconds.observe(time.perf_counter() - started)
            if item.due_at is not None:
                lag = (self._clock.now() - item.due_at).total_seconds()
                series.due_to_sent_seconds.observe(max(lag, 0.0))
            outcome = "sent"
        elif result.failed is not None:
            outcome = "failed"
            log.warning("delivery %s failed for good: %s", item.delivery_id, result.failed)
        else:
            outcome = "retry" if result.counts_attempt else "rate_limited"
        series.outcomes[outcome].inc()

    async def _send_one(self, item: Outgoing, flow: Flow) -> SendResult:
        await self.pauses.refresh()  # a query only when the last load is older than the refresh interval
        paused = self._paused(item, self._clock.now())
        if paused is not None:
            return SendResult(item, retry_at=paused, reason="rate limited", counts_attempt=False)
        assert item.message is not None
        await flow.permits.acquire()  # released once this result is committed
        # The wait for a permit can be long on a busy machine: a pause may have begun meanwhile (here or, as
        # reloaded now if stale, on another replica).
        await self.pauses.refresh()
        if (paused := self._paused(item, self._clock.now())) is not None:
            return SendResult(item, retry_at=paused, reason="rate limited", counts_attempt=False, holds_permit=True)
        conversation = item.conversation
        try:
            opened = None
            if conversation is None:
                assert item.user is not None
                conversation = opened = await self._notifier.open_direct(item.user)
                # The DM just opened may be the one conversation the platform asked us to leave alone.
                if (paused := self._paused(item, self._clock.now(), opened)) is not None:
                    return SendResult(
                        item, retry_at=paused, reason="rate limited", counts_attempt=False, holds_permit=True
                    )
            sent = await self._notifier.send(conversation, item.message)
            self.budgets.accepted(scope_key((item.platform, item.tenant_external_id)))
            return SendResult(item, sent=sent, opened=opened, holds_permit=True)
        except RateLimited as error:
            self._metrics.rate_limit_waits.labels(item.platform).inc()
            self._metrics.rate_limit_wait_seconds.labels(item.platform).inc(max(error.retry_after, 0.0))
            until = self._clock.now() + timedelta(seconds=max(error.retry_after, 0.0))
            tenant, conversation_scope = self._scopes(item, conversation)
            scope = conversation_scope if error.scope == "conversation" and conversation_scope else tenant
            if scope is tenant:
                self.budgets.limited(scope_key(tenant), self._clock.now(), until)
            try:
                await self.pauses.pause(scope_key(scope), until)
            except Exception:  # the pause still holds here; the row is retried on the next 429
                log.exception("could not share the rate-limit pause of %s", scope[0])
            return SendResult(item, retry_at=until, reason=error.reason, counts_attempt=False, holds_permit=True)
        except DeliveryError as error:
            if error.permanent:
                return SendResult(item, failed=error.reason, holds_permit=True)
            return self._backoff(item, error.reason)
        except Exception as error:  # an adapter bug must not stop the other deliveries
            log.exception("sending delivery %s failed", item.delivery_id)
            return self._backoff(item, f"{type(error).__name__}: {error}")

    def _backoff(self, item: Outgoing, reason: str) -> SendResult:
        if item.attempts + 1 >= self._config.max_attempts:
            failed = f"gave up after {item.attempts + 1} attempts: {reason}"
            return SendResult(item, failed=failed, holds_permit=True)
        delay = self._config.backoff_seconds * 2**item.attempts
        return SendResult(item, retry_at=self._clock.now() + timedelta(seconds=delay), reason=reason, holds_permit=True)

    # --- recording ----------------------------------------------------------------------------------------

    async def _record(
        self,
        session: AsyncSession,
        fast: SentRecorder | None,
        results: list[SendResult],
        report: DeliveryReport,
    ) -> None:
        now = self._clock.now()
        plain = [result for result in results if fast is not None and fast.handles(result)]
        rest = [result for result in results if not (fast is not None and fast.handles(result))]
        async with self._turns.turn():
            if plain and fast is not None:
                report.sent += await fast.record(self.name, plain, now)
            if not rest:
                report.claimed_by.add(self.name)
                return
            recorded = await record_results(session, self._directory, self.name, rest, now)
            await session.commit()
        report.sent += recorded.sent
        report.failed += recorded.failed
        report.retried += recorded.retried
        report.skipped += recorded.skipped
        report.claimed_by.add(self.name)


# Below SQLite's limit of 500 terms in a compound SELECT (_due_sqlite).
_MAX_TENANTS_PER_CLAIM = 400


def _pending_of(tenant: Any, now: datetime) -> Any:
    return (
        select(Delivery.id)
        .where(Delivery.tenant_id == tenant, in_state("pending"), Delivery.not_before <= now)
        .order_by(Delivery.not_before, Delivery.id)
    )


def _due_postgres(caps: dict[int, int], now: datetime) -> Any:
    """Each tenant's first `cap` due rows not locked by another claimer: a LATERAL probe per tenant on the
    (tenant_id, state, not_before) index."""
    arrays = [
        sql_cast(bindparam(name, list(values), type_=ARRAY(Integer)), ARRAY(Integer))
        for name, values in (("c_tenants", caps.keys()), ("c_caps", caps.values()))
    ]
    wanted = func.unnest(*arrays).table_valued("tenant_id", "cap").render_derived(name="wanted")
    rows = (
        _pending_of(wanted.c.tenant_id, now)
        .limit(wanted.c.cap)
        .with_for_update(skip_locked=True, of=Delivery)
        .lateral("rows")
    )
    return select(rows.c.id).select_from(wanted).join(rows, true())


def _due_sqlite(caps: dict[int, int], now: datetime) -> Any:
    """Each tenant's first `cap` due rows (the claim holds SQLite's write lock: nobody else takes rows meanwhile)."""
    parts = [select(_pending_of(tenant, now).limit(cap).subquery().c.id) for tenant, cap in caps.items()]
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _interleaved(outgoing: list[Outgoing]) -> list[Outgoing]:
    """Round-robin between tenants, so the senders work on several workspaces at once, not one after another."""
    by_tenant: dict[int, list[Outgoing]] = {}
    for item in outgoing:
        by_tenant.setdefault(item.tenant_id, []).append(item)
    if len(by_tenant) < 2:
        return outgoing
    lanes = list(by_tenant.values())
    return [item for row in itertools.zip_longest(*lanes) for item in row if item is not None]


def _claim(due: Any, owner: str, now: datetime) -> Any:
    """Mark the `due` rows (a subquery of ids) as sent by `owner`, returning their ids; a row someone else claimed
    meanwhile is no longer pending and is left alone."""
    return (
        update(Delivery)
        .where(Delivery.id.in_(due), Delivery.state == "pending")
        .values(state="sending", claimed_by=owner, claimed_at=now)
        .returning(Delivery.id)
    )


def _give_up_reason(after: timedelta) -> str:
    return f"not sent within {int(after.total_seconds() // 3600)} h of its due time"
