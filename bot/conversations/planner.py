"""Turn due series into rounds and invitations; remind, close and sum up rounds.

Each step is a short transaction over rows claimed with `FOR UPDATE SKIP LOCKED`; unique keys (one round per
series and due time, one delivery per idempotency key) make a repeated or concurrent step harmless. A round with
more recipients than its share of `plan_chunk` is written in several transactions and its series moves on only
after the last, so a crash in between fires it again and only the missing deliveries get in. Those transactions
take rows from every large round in turn: many workspaces due at once all start sending at once. Many small series
due at once (personal ones) are planned together: one query for their audiences' facts, one insert for all their
rounds.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations.audiences import Audience, Target, resolve, resolve_many
from bot.conversations.config import EngineConfig
from bot.conversations.kinds import Kinds, Window
from bot.conversations.locking import WriteTurns, insert_ignore_many, take_write_lock
from bot.conversations.responses import load_responses, respondent_key, round_view
from bot.conversations.rounds import RoundPlan, delivery_rows, open_round, round_values
from bot.conversations.tables import Delivery, Response, Round, Series
from bot.conversations.timing import Calendar, Timing
from bot.db.models import Tenant
from bot.db.upsert import insert_ignore

log = logging.getLogger(__name__)
# After this many rounds in a row missed (a long outage), jump ahead instead of recording each one.
MAX_MISSED_RECORDS = 100
# A series' share of the first planning transaction is never below this fraction of `plan_chunk`: small teams are
# planned whole, without a later transaction.
_SMALLEST_SHARE = 1 / 50
_SERIES = cast(Table, Series.__table__)


def timing_of(series: Series) -> Timing:
    return Timing(
        cron=series.cron,
        anchor_at=series.anchor_at,
        offsets_days=tuple(series.offsets_days or ()),
        local_time=series.local_time,
        working_days=series.working_days,
    )


def window_of(series: Series) -> Window:
    return Window(
        timedelta(seconds=series.window_seconds),
        timedelta(seconds=series.remind_after_seconds) if series.remind_after_seconds is not None else None,
        series.remind_fraction,
    )


def audience_of(series: Series) -> Audience:
    return Audience(series.audience, series.conversation_id, tuple(series.audience_member_ids or ()))


async def series_calendars(session: AsyncSession, series: Series, tenant: Tenant) -> set[Calendar]:
    """The calendars a series fires in (its recipients' zones, and holidays countries on working days)."""
    timing = timing_of(series)
    targets = await resolve(session, audience_of(series), tenant)
    return {timing.calendar(target.recipient) for target in targets} or {Calendar(tenant.timezone)}


async def next_due(session: AsyncSession, series: Series, tenant: Tenant, after: datetime) -> datetime | None:
    return timing_of(series).next_due(await series_calendars(session, series, tenant), after)


@dataclass(frozen=True)
class _Rest:
    """Deliveries of a large round still to be written after its first transaction, and the series' next due
    time to set once they are."""

    series_id: int
    due: datetime | None
    next_due: datetime | None
    rows: Iterator[dict[str, Any]]


@dataclass
class _Firing:
    series: Series
    targets: list[Target]
    dues: list[tuple[datetime, bool]]  # (due, missed)
    next_due: datetime | None


def _invitations(firing: _Firing, round_ids: dict[tuple[int, datetime], int]) -> Iterator[dict[str, Any]]:
    """The invitation rows of a firing's rounds asked now, made as they are taken."""
    series, timing = firing.series, timing_of(firing.series)
    for when, missed in firing.dues:
        if missed:
            continue
        asked = [t for t in firing.targets if timing.fires_at(timing.calendar(t.recipient), when)]
        yield from delivery_rows(
            round_ids[(series.id, when)],
            series.tenant_id,
            series.conversation_id,
            when,
            asked,
            include_weekends=series.include_weekends,
        )


class Planner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: EngineConfig,
        kinds: Kinds,
        turns: WriteTurns | None = None,
    ) -> None:
        self._sessions = sessions
        self._config = config
        self._kinds = kinds
        self._turns = turns or WriteTurns(sessions)

    async def plan(self, now: datetime, committed: Callable[[], None] | None = None) -> int:
        """Fire every series that is due at `now`. Returns the number of rounds created (asked or missed).

        `committed` is called after each transaction that wrote deliveries, so a delivery pass running alongside
        can start sending them."""
        total = 0
        while True:
            rests: list[_Rest] = []
            async with self._turns.session() as session:
                await take_write_lock(session)
                query = (
                    select(Series)
                    .where(Series.next_due_at <= now, Series.paused.is_(False))
                    .order_by(Series.next_due_at, Series.id)
                    .limit(self._config.plan_batch)
                    .with_for_update(skip_locked=True)
                )
                due = list((await session.scalars(query)).all())
                if due:
                    total += await self._fire(session, due, now, rests)
                await session.commit()
            if committed is not None:
                committed()
            if rests:
                await self._finish(rests, committed)
            if len(due) < self._config.plan_batch:
                return total

    async def _fire(self, session: AsyncSession, due: Sequence[Series], now: datetime, rests: list[_Rest]) -> int:
        tenants = {
            tenant.id: tenant
            for tenant in await session.scalars(select(Tenant).where(Tenant.id.in_({s.tenant_id for s in due})))
        }
        audiences = await resolve_many(
            session, [audience_of(series) for series in due], tenants, [series.tenant_id for series in due]
        )
        firings = [
            self._firing(series, targets, tenants[series.tenant_id], now)
            for series, targets in zip(due, audiences, strict=True)
        ]
        # Every round of this batch in one insert, then their ids in one query.
        round_rows = [
            round_values(
                kind=f.series.kind,
                tenant_id=f.series.tenant_id,
                series_id=f.series.id,
                conversation_id=f.series.conversation_id,
                due=when,
                window=window_of(f.series),
                state="missed" if missed else "open",
                summary=f.series.summary,
                anonymous=f.series.anonymous,
                context=dict(f.series.settings or {}),
            )
            for f in firings
            for when, missed in f.dues
        ]
        await insert_ignore_many(session, Round, round_rows, ["series_id", "due_at"])
        keys = {(row["series_id"], row["due_at"]) for row in round_rows}
        round_ids: dict[tuple[int, datetime], int] = {}
        series_ids = sorted({series_id for series_id, _ in keys})
        for start in range(0, len(series_ids), 500):
            found = await session.execute(
                select(Round.series_id, Round.due_at, Round.id).where(
                    Round.series_id.in_(series_ids[start : start + 500]),
                    Round.due_at.in_({when for _, when in keys}),
                )
            )
            round_ids.update({(sid or 0, when): rid for sid, when, rid in found if (sid, when) in keys})
        # The first transaction takes an equal share of `plan_chunk` from every series of the batch, so every
        # workspace has something to send at once (each sends at its own platform limit), not the first few.
        chunk = self._config.plan_chunk
        share = max(chunk // max(len(firings), 1), int(chunk * _SMALLEST_SHARE), 1)
        batch: list[dict[str, Any]] = []
        moved: list[dict[str, Any]] = []
        for firing in firings:
            series = firing.series
            rows = _invitations(firing, round_ids)
            first = list(itertools.islice(rows, share + 1))
            if len(first) <= share:
                batch += first
                moved.append({"b_id": series.id, "b_next_due": firing.next_due})
            else:
                # A large fan-out: the rest is made and written in later transactions, so sending starts while it
                # is. The series stays due until the last one: after a crash it fires again and the idempotency
                # keys let only the missing deliveries in.
                batch += first[:share]
                rests.append(
                    _Rest(series.id, series.next_due_at, firing.next_due, itertools.chain(first[share:], rows))
                )
        await insert_ignore_many(session, Delivery, batch, ["idempotency_key"])
        if moved:
            # One executemany for the batch instead of the ORM's unit of work over each loaded series.
            await session.execute(
                update(_SERIES).where(_SERIES.c.id == bindparam("b_id")).values(next_due_at=bindparam("b_next_due")),
                moved,
            )
        return len(round_rows)

    def _firing(self, series: Series, targets: list[Target], tenant: Tenant, now: datetime) -> _Firing:
        timing = timing_of(series)
        calendars = {timing.calendar(target.recipient) for target in targets} or {Calendar(tenant.timezone)}
        due = series.next_due_at
        dues: list[tuple[datetime, bool]] = []
        while due is not None and due <= now:
            missed = now - due > self._config.grace
            dues.append((due, missed))
            if missed and len(dues) >= MAX_MISSED_RECORDS:
                log.warning("series %s missed more than %d rounds; skipping ahead", series.id, len(dues))
                due = timing.next_due(calendars, now - self._config.grace)
            else:
                due = timing.next_due(calendars, due)
        return _Firing(series, targets, dues, due)

    async def _finish(self, rests: list[_Rest], committed: Callable[[], None] | None) -> None:
        """Write the rests of large rounds, `plan_chunk` rows a transaction taken in turn from each, and move each
        series on in the transaction that writes its last rows."""
        chunk = self._config.plan_chunk
        active = list(rests)
        while active:
            share = max(chunk // len(active), 1)
            rows: list[dict[str, Any]] = []  # made before the writer's turn
            done: list[_Rest] = []
            for rest in active:
                taken = list(itertools.islice(rest.rows, share))
                rows += taken
                if len(taken) < share:
                    done.append(rest)
            async with self._turns.session() as session:
                await take_write_lock(session)
                await insert_ignore_many(session, Delivery, rows, ["idempotency_key"])
                if done:
                    # Only if nobody moved it meanwhile (another replica may have fired it again between chunks).
                    await session.execute(
                        update(_SERIES)
                        .where(_SERIES.c.id == bindparam("b_id"), _SERIES.c.next_due_at == bindparam("b_due"))
                        .values(next_due_at=bindparam("b_next_due")),
                        [{"b_id": r.series_id, "b_due": r.due, "b_next_due": r.next_due} for r in done],
                    )
                await session.commit()
            if committed is not None and rows:
                committed()
            finished = {id(rest) for rest in done}
            active = [rest for rest in active if id(rest) not in finished]

    # --- reminders, closing, summaries --------------------------------------------------------------------

    async def close_rounds(self, now: datetime) -> None:
        """Queue due reminders, close rounds whose answer window ended, queue their summaries, tell their kinds."""
        async with self._turns.session() as session:
            await take_write_lock(session)
            remind = (
                select(Round)
                .where(Round.state == "open", Round.remind_at <= now)
                .limit(self._config.batch_size)
                .with_for_update(skip_locked=True)
            )
            for round in (await session.scalars(remind)).all():
                await self._reminders(session, round, now)
                round.remind_at = None
            closing = (
                select(Round)
                .where(Round.state == "open", Round.closes_at <= now)
                .limit(self._config.batch_size)
                .with_for_update(skip_locked=True)
            )
            for round in (await session.scalars(closing)).all():
                round.state = "closed"
                round.secret = None  # anonymous answers can no longer be linked to anyone
                if round.anonymous:
                    # Who was reminded is who had not answered: that record goes with the key.
                    await session.execute(
                        delete(Delivery).where(Delivery.round_id == round.id, Delivery.purpose == "reminder")
                    )
                if round.summary and round.conversation_id is not None:
                    await _queue(session, f"summary{round.id}", "summary", round, None, round.conversation_id, now)
                kind = self._kinds.get(round.kind)
                view = await round_view(session, round)
                responses = await load_responses(session, round)
                await kind.closed(session, view, responses, _Closing(session, now))
            await session.commit()

    async def _reminders(self, session: AsyncSession, round: Round, now: datetime) -> None:
        query = select(Delivery).where(
            Delivery.round_id == round.id,
            Delivery.purpose.in_(("invitation", "follow_up")),
            Delivery.state == "sent",
            Delivery.member_id.is_not(None),
        )
        if round.anonymous:
            invitations = list((await session.scalars(query)).all())
            answered = set(
                (await session.scalars(select(Response.respondent).where(Response.round_id == round.id))).all()
            )
            invitations = [d for d in invitations if respondent_key(round, d.member_id or 0) not in answered]
        else:
            has_answered = exists().where(Response.round_id == round.id, Response.member_id == Delivery.member_id)
            invitations = list((await session.scalars(query.where(~has_answered))).all())
        for invitation in invitations:
            await _queue(
                session,
                f"remind{invitation.id}",
                "reminder",
                round,
                invitation.member_id,
                invitation.conversation_id,
                now,
                parent_id=invitation.id,
            )


class _Closing:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self._session = session
        self.now = now

    async def schedule(self, plan: RoundPlan) -> None:
        await open_round(self._session, plan, self.now)


async def _queue(
    session: AsyncSession,
    key: str,
    purpose: str,
    round: Round,
    member_id: int | None,
    conversation_id: int | None,
    now: datetime,
    parent_id: int | None = None,
) -> None:
    values = {
        "idempotency_key": key,
        "purpose": purpose,
        "tenant_id": round.tenant_id,
        "round_id": round.id,
        "member_id": member_id,
        "conversation_id": conversation_id,
        "parent_id": parent_id,
        "due_at": now,
        "state": "pending",
        "not_before": now,
        "attempts": 0,
        "created_at": now,
    }
    await insert_ignore(session, Delivery, values, ["idempotency_key"])
