"""The two guarantees the conversation engine made stronger, and waking at the due instant.

- A crash re-sends at most what was really in flight: sent-but-unrecorded never exceeds the send concurrency.
- A 429 pauses only the workspace (tenant) that got it.
- A prompt due at 09:00:00 goes out at 09:00:00, not on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from adapters.app import App, build_app
from bot.clock import ManualClock
from bot.conversations.tables import Delivery
from bot.model import ConversationKind, ConversationRef, InboundMessage, OutboundMessage, SentRef, UserRef
from bot.ports import RateLimited
from bot.settings import Settings
from tests.engine_support import ClockedAdapter, dm, engine_for
from tests.support import PLATFORM, ROOM, RecordingAdapter, say, user

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MONDAY_0900_CPH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def _states(app: App) -> Counter[str]:
    async with app.sessions() as session:
        rows = (await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all()
    return Counter({state: count for state, count in rows})


@dataclass
class KillingAdapter(ClockedAdapter):
    """Accepts every send at once, and kills the process (cancels its tick) right after the `kill_after`-th."""

    kill_after: int = 0
    victim: asyncio.Task[object] | None = None

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        sent = await super().send(conversation, message)
        if self.kill_after and len(self.sent) == self.kill_after and self.victim is not None:
            self.victim.cancel()
        await asyncio.sleep(0)
        return sent


async def test_a_crash_mid_fan_out_sends_at_most_the_concurrency_twice(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = KillingAdapter(clock=clock, kill_after=60)
    app.notifier.register(adapter)
    await app.membership.record_members(ROOM, [user(f"m{number:03d}") for number in range(150)])
    await say(app.bot, "nudge add weekdays 09:00 dm", who="m000")
    clock.set(MONDAY_0900_CPH)
    concurrency = 4
    dying = engine_for(app, name="dying", concurrency=concurrency, batch_size=50)
    tick = asyncio.create_task(dying.tick())
    adapter.victim = tick  # type: ignore[assignment]
    with contextlib.suppress(asyncio.CancelledError):
        await tick
    assert 0 < (await _states(app))["sent"] < 150
    adapter.kill_after = 0
    restarted = build_app(app.settings, clock=clock)
    try:
        restarted.notifier.register(adapter)
        engine = engine_for(restarted, name="restarted", concurrency=concurrency)
        clock.advance(engine.config.lease + timedelta(seconds=1))
        await engine.tick()
    finally:
        await restarted.close()
    assert await _states(app) == Counter({"sent": 150})
    per_member = Counter(conversation.id for conversation, _ in adapter.sent)
    assert len(per_member) == 150  # nobody lost
    assert sum(per_member.values()) - 150 <= concurrency  # at most what was in flight, twice


async def test_the_claim_lease_is_a_setting(database_url: str, clock: ManualClock) -> None:
    settings = Settings(_env_file=None, database_url=database_url, nudge_lease_seconds=30)  # type: ignore[call-arg]
    app = build_app(settings, clock=clock)
    try:
        assert app.conversations.config.lease == timedelta(seconds=30)
    finally:
        await app.close()


@dataclass
class WorkspaceLimitedAdapter(ClockedAdapter):
    """Workspace A answers 429 "retry after 30 s" to every send; workspace B is fine."""

    refusals: int = 0
    by_workspace: Counter[str] = field(default_factory=Counter)

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        if conversation.tenant == "TA":
            self.refusals += 1
            raise RateLimited(30.0, "chat.postMessage: ratelimited", scope="tenant")
        self.by_workspace[conversation.tenant] += 1
        return await super().send(conversation, message)


async def test_a_429_in_one_workspace_leaves_the_other_at_full_speed(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = WorkspaceLimitedAdapter(clock=clock)
    app.notifier.register(adapter)
    for workspace in ("TA", "TB"):
        room = ConversationRef(PLATFORM, workspace, f"C-{workspace}", ConversationKind.CHANNEL, name="room")
        members = [UserRef(PLATFORM, workspace, f"U-{number}", f"M{number}") for number in range(30)]
        await app.membership.record_members(room, members)
        await app.bot.handle_message(InboundMessage(members[0], room, "nudge add weekdays 09:00 dm"))
    clock.set(MONDAY_0900_CPH)
    await engine_for(app, concurrency=4, batch_size=10).tick()
    assert adapter.by_workspace["TB"] == 30  # B was not held up by A's limit
    assert adapter.refusals <= 4  # A was paused after its first refusals, not hammered
    async with app.sessions() as session:
        pending = await session.scalar(select(func.count()).where(Delivery.state == "pending"))
    assert pending == 30  # A's wait for their Retry-After


class RealTimeClock:
    """A clock that starts at a chosen instant and then runs with wall time."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, start: datetime) -> None:
        self._start, self._t0 = start, time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


async def test_a_prompt_is_sent_at_its_due_instant_not_on_the_next_tick(database_url: str) -> None:
    due = MONDAY_0900_CPH
    clock = RealTimeClock(due - timedelta(hours=1))
    settings = Settings(_env_file=None, database_url=database_url, nudge_tick_seconds=600)  # type: ignore[call-arg]
    app = build_app(settings, clock=clock)
    sent_at: list[datetime] = []

    @dataclass
    class NotingAdapter(RecordingAdapter):
        async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
            sent_at.append(clock.now())
            return await super().send(conversation, message)

    app.notifier.register(NotingAdapter())
    try:
        await say(app.bot, "nudge add weekdays 09:00 me", where=dm("anna"))
        clock.set(due - timedelta(seconds=0.4))
        await app.start()  # the first tick finds nothing due yet, then the time-keeper plans to wake at 09:00
        deadline = time.monotonic() + 30
        while not sent_at and time.monotonic() < deadline:  # noqa: ASYNC110 (poll with a deadline)
            await asyncio.sleep(0.02)
    finally:
        await app.stop()
        await app.close()
    assert sent_at, "the prompt was not sent within 30 s of its due time (the tick interval is 600 s)"
    # Woken at the due instant, not 600 s later on the next tick (the margin is for a loaded CI machine).
    assert due <= sent_at[0] < due + timedelta(seconds=20)


async def test_the_time_keeper_runs_the_ticks_and_the_housekeeping(app: App) -> None:
    from bot.db.models import InboundEvent
    from bot.inbound_events import claim

    assert await claim(app.sessions, "slack", "Ev-old", app.clock.now() - timedelta(days=2))
    await app.start()
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            async with app.sessions() as session:
                if not list(await session.scalars(select(InboundEvent.event_id))):
                    break
            await asyncio.sleep(0.02)
        assert app.timekeeper.running
    finally:
        await app.stop()
    async with app.sessions() as session:
        assert list(await session.scalars(select(InboundEvent.event_id))) == []  # housekeeping ran at start
    assert not app.timekeeper.running
