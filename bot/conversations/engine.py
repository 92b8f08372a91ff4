"""The engine's façade: kinds in, one `tick()` that plans, reminds, closes and delivers, and rounds on demand.

Time is kept elsewhere (bot.timekeeper): it calls `tick()` on an interval and at `next_due()`. Every series,
round and delivery lives in our tables, so a restart or a second replica picks up exactly where the tables say.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog, Translator
from bot.clock import Clock
from bot.conversations import personal_data
from bot.conversations.answers import Answers
from bot.conversations.config import EngineConfig
from bot.conversations.dispatcher import DeliveryReport, Dispatcher, Sleep
from bot.conversations.kinds import Kind, Kinds
from bot.conversations.locking import WriteTurns
from bot.conversations.pipeline import Planning
from bot.conversations.planner import Planner, next_due
from bot.conversations.responses import round_view
from bot.conversations.rounds import RoundPlan, SeriesPlan, open_round, series_values
from bot.conversations.tables import Delivery, Round, Series, in_state
from bot.db.models import Tenant
from bot.directory import Directory
from bot.metrics import Metrics
from bot.model import OutboundMessage
from bot.ports import Notifier
from bot.turn import UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    rounds: int
    delivery: DeliveryReport


class ConversationEngine:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        notifier: Notifier,
        directory: Directory,
        clock: Clock,
        config: EngineConfig | None = None,
        *,
        kinds: Kinds | None = None,
        sleep: Sleep = asyncio.sleep,
        name: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.config = config or EngineConfig()
        self.clock = clock
        self.kinds = kinds or Kinds()
        self._sessions = sessions
        turns = WriteTurns(sessions)  # the planner and the delivery pass run side by side
        self.planner = Planner(sessions, self.config, self.kinds, turns)
        self.dispatcher = Dispatcher(
            sessions,
            catalog,
            self.kinds,
            notifier,
            directory,
            clock,
            self.config,
            sleep=sleep,
            name=name,
            turns=turns,
            metrics=metrics,
        )
        self.answers = Answers(self.kinds)
        self._listeners: list[Callable[[], None]] = []

    def wind_down(self) -> None:
        """The process is stopping: a delivery pass in progress stops claiming and hands back what it has not sent."""
        self.dispatcher.wind_down()

    def resume(self) -> None:
        """Started again after `wind_down()`."""
        self.dispatcher.resume()

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` when a feature changed what is due (the time-keeper re-plans its wake-up)."""
        self._listeners.append(listener)

    async def changed(self) -> None:
        """A feature committed a new or moved series or round: the next due instant may be sooner."""
        for listener in self._listeners:
            listener()

    def install(self, kind: Kind) -> None:
        """Add a feature's kind (called by the feature's install step)."""
        self.kinds.add(kind)

    def register(self, bot: LearnBot, *, action_aliases: dict[str, str] | None = None) -> None:
        """Add the answer actions and the reply interceptor to a LearnBot."""
        self.answers.register(bot, aliases=action_aliases)
        bot.personal_data.register(personal_data.CONTRACT)

    async def tick(self) -> TickReport:
        """Plan due rounds, reminders and closings at the clock's now, and send everything due. Sending starts
        while planning still writes a large fan-out."""
        now = self.clock.now()
        planning = Planning()
        await self.dispatcher.recover(now)  # before planning takes the (SQLite) writer's turns
        delivery = asyncio.create_task(self.dispatcher.deliver(planning, recover=False))
        try:
            rounds = await self.planner.plan(now, planning.committed)
            await self.planner.close_rounds(now)
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
        return TickReport(rounds, await delivery)

    async def next_due(self) -> datetime | None:
        """The earliest instant at which a tick has something to do, as far as the tables know."""
        async with self._sessions() as session:
            instants = [
                await session.scalar(select(func.min(Series.next_due_at)).where(Series.paused.is_(False))),
                await session.scalar(select(func.min(Round.remind_at)).where(Round.state == "open")),
                await session.scalar(select(func.min(Round.closes_at)).where(Round.state == "open")),
                await session.scalar(select(func.min(Delivery.not_before)).where(in_state("pending"))),
            ]
        found = [instant for instant in instants if instant is not None]
        return min(found) if found else None

    async def add_series(self, session: AsyncSession, plan: SeriesPlan) -> Series:
        """Add a recurring plan; its first due instant is computed from its recipients' calendars. The caller
        commits, then calls `changed()` so the time-keeper wakes in time."""
        series = Series(**series_values(plan, self.clock.now()))
        if plan.numbered:
            highest = select(func.max(Series.number)).where(
                Series.tenant_id == plan.tenant_id, Series.kind == plan.kind
            )
            series.number = (await session.scalar(highest) or 0) + 1
        session.add(series)
        await session.flush()
        tenant = await session.get_one(Tenant, plan.tenant_id)
        series.next_due_at = await next_due(session, series, tenant, self.clock.now())
        return series

    async def open_round(self, session: AsyncSession, plan: RoundPlan) -> Round:
        """Open a round without a series (started now on demand, or a follow-up later). The caller commits; its
        invitations go out on the next tick at or after `plan.due_at`."""
        return await open_round(session, plan, self.clock.now())

    async def open_as_reply(
        self, session: AsyncSession, t: Translator, plan: RoundPlan, member_id: int, conversation_id: int
    ) -> OutboundMessage:
        """Open a one-member round whose invitation is the reply to the member's own command (on-demand
        questions): recorded as sent, answered like any other."""
        round = Round(
            kind=plan.kind,
            tenant_id=plan.tenant_id,
            conversation_id=plan.conversation_id,
            due_at=plan.due_at,
            closes_at=plan.due_at + plan.window.length,
            remind_at=None,
            state="open",
            summary=False,
            anonymous=False,
            context=plan.context,
            created_at=plan.due_at,
        )
        session.add(round)
        await session.flush()
        delivery = Delivery(
            idempotency_key=f"round{round.id}:m{member_id}",
            purpose=plan.purpose,
            tenant_id=plan.tenant_id,
            round_id=round.id,
            member_id=member_id,
            conversation_id=conversation_id,
            due_at=plan.due_at,
            state="sent",  # delivered as this turn's reply
            not_before=plan.due_at,
            attempts=0,
            sent_at=plan.due_at,
            created_at=plan.due_at,
        )
        session.add(delivery)
        await session.flush()
        kind = self.kinds.get(plan.kind)
        in_channel = plan.audience.kind == "channel"
        invitation = await kind.invitation(session, t, await round_view(session, round), in_channel=in_channel)
        message = invitation(delivery.id)
        if message is None:
            raise UsageError("conversations.closed")
        return message
