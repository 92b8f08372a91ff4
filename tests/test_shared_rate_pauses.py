"""A 429 seen by one replica pauses that workspace (or only that conversation) on every replica, through the
database; the pauses are read from memory and reloaded about once a second, never once per send."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.tables import Delivery, RatePause
from bot.model import ConversationRef, OutboundMessage, SentRef
from bot.ports import RateLimited, RateScope
from tests.engine_support import ClockedAdapter, engine_for
from tests.support import ROOM, say, user

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MONDAY_0900_CPH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@dataclass
class OneRefusal(ClockedAdapter):
    """Refuses the first send with a 429 (for the workspace or the conversation), then accepts; each accepted send
    takes 100 ms of the clock, so a long fan-out spans several pause refreshes."""

    retry_after: float = 60.0
    scope: RateScope = "tenant"
    refused: list[ConversationRef] = field(default_factory=list)

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        assert self.clock is not None
        if not self.refused:
            self.refused.append(conversation)
            raise RateLimited(self.retry_after, scope=self.scope)
        self.clock.advance(timedelta(milliseconds=100))
        return await super().send(conversation, message)


async def _states(app: App) -> Counter[str]:
    async with app.sessions() as session:
        rows = (await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all()
    return Counter({state: count for state, count in rows})


async def _team_due_at_nine(app: App, clock: ManualClock, size: int) -> None:
    clock.set(MONDAY_0600)
    await app.membership.record_members(ROOM, [user(f"m{number:04d}") for number in range(size)])
    await say(app.bot, "nudge add weekdays 09:00 dm", who="m0000")
    clock.set(MONDAY_0900_CPH)


def _count_pause_reads(app: App) -> list[str]:
    reads: list[str] = []
    bind = app.sessions.kw["bind"]

    @event.listens_for(bind.sync_engine, "before_cursor_execute")
    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The reload of the pauses in force (each claim also leaves paused workspaces out, once per batch).
        if statement.lstrip().upper().startswith("SELECT CONVERSATION_RATE_PAUSES."):
            reads.append(statement)

    return reads


async def test_a_429_on_one_replica_pauses_the_workspace_on_the_other(app: App, clock: ManualClock) -> None:
    adapter = OneRefusal(clock=clock)
    app.notifier.register(adapter)
    await _team_due_at_nine(app, clock, 30)
    first, second = engine_for(app, name="replica-a"), engine_for(app, name="replica-b")

    await first.tick()  # the first send is refused: the workspace waits 60 s
    assert len(adapter.refused) == 1 and adapter.sent == []
    async with app.sessions() as session:
        [(scope, until)] = (await session.execute(select(RatePause.scope, RatePause.until))).all()
    assert scope == f"{adapter.platform}|{adapter.refused[0].tenant}"
    assert until == MONDAY_0900_CPH + timedelta(seconds=60)

    clock.advance(timedelta(seconds=30))
    await second.dispatcher.deliver()  # the other replica: everything is due, but the workspace is paused
    assert adapter.sent == []
    assert (await _states(app))["sent"] == 0

    clock.set(until)
    reads = _count_pause_reads(app)
    report = await second.dispatcher.deliver()
    assert report.sent == 30 and len({conversation.id for conversation, _ in adapter.sent}) == 30
    assert min(adapter.times) >= until
    # 30 sends over 3 s of the clock: the pauses were read at the start of the pass and once a second after.
    assert 1 <= len(reads) <= 5, reads


async def test_a_conversation_scoped_429_pauses_only_that_conversation_everywhere(app: App, clock: ManualClock) -> None:
    adapter = OneRefusal(clock=clock, scope="conversation", retry_after=60.0)
    app.notifier.register(adapter)
    await _team_due_at_nine(app, clock, 5)
    first, second = engine_for(app, name="replica-a"), engine_for(app, name="replica-b")

    await first.tick()
    [refused] = adapter.refused
    assert len({conversation.id for conversation, _ in adapter.sent}) == 4  # the others were not held up
    clock.advance(timedelta(seconds=10))
    await second.dispatcher.deliver()
    assert refused.id not in {conversation.id for conversation, _ in adapter.sent}
    assert (await _states(app)) == Counter({"sent": 4, "pending": 1})

    clock.advance(timedelta(seconds=51))
    await second.dispatcher.deliver()
    assert (await _states(app)) == Counter({"sent": 5})


async def test_crossing_429s_keep_the_later_pause(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0900_CPH)
    first, second = engine_for(app, name="replica-a"), engine_for(app, name="replica-b")
    later = MONDAY_0900_CPH + timedelta(seconds=90)
    await first.dispatcher.pauses.pause("slack|T1", later)
    await second.dispatcher.pauses.pause("slack|T1", MONDAY_0900_CPH + timedelta(seconds=5))
    await first.dispatcher.pauses.refresh(force=True)
    await second.dispatcher.pauses.refresh(force=True)
    for replica in (first, second):
        assert replica.dispatcher.pauses.until(["slack|T1"], MONDAY_0900_CPH) == later
    assert second.dispatcher.pauses.until(["slack|T1"], later) is None


async def test_a_stop_mid_fan_out_hands_the_unsent_back_at_once(app: App, clock: ManualClock) -> None:
    """A graceful stop (SIGTERM) during a large pass: the pass claims no more, sends in flight finish, and what was
    claimed but not sent is pending again at once (not held until the lease runs out), for the other replica."""

    @dataclass
    class StopsAfterTen(ClockedAdapter):
        async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
            if len(self.sent) == 10:
                first.wind_down()
            return await super().send(conversation, message)

    adapter = StopsAfterTen(clock=clock)
    app.notifier.register(adapter)
    await _team_due_at_nine(app, clock, 60)
    first = engine_for(app, name="stopping", batch_size=20, concurrency=2)
    await first.tick()
    states = await _states(app)
    assert 10 <= states["sent"] < 20 and states["sending"] == 0
    assert states["sent"] + states["pending"] == 60

    other = engine_for(app, name="other")
    await other.dispatcher.deliver()
    assert (await _states(app)) == Counter({"sent": 60})
    assert len({conversation.id for conversation, _ in adapter.sent}) == 60 == len(adapter.sent)
