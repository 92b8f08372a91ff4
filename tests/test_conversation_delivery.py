"""Delivery that survives crashes, replicas and rate limits; answers and streaks. All on a ManualClock."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from adapters.app import App, build_app
from bot.clock import ManualClock
from bot.conversations.tables import Delivery, Response
from bot.model import ConversationRef, Form, OutboundMessage, SentRef
from bot.ports import DeliveryError, RateLimited
from bot.timekeeper import TimeKeeper
from tests.conftest import on_postgres
from tests.engine_support import ClockedAdapter, adapter_for, dm, engine_for
from tests.support import ROOM, all_text, press, say, user

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MONDAY_0900_CPH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def _team(app: App, size: int) -> None:
    """`size` members in the room (from a roster), and a schedule that DMs each of them at 09:00."""
    await app.membership.record_members(ROOM, [user(f"m{number:04d}") for number in range(size)])
    await say(app.bot, "nudge add weekdays 09:00 dm", who="m0000")


async def _states(app: App) -> Counter[str]:
    async with app.sessions() as session:
        rows = (await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all()
    return Counter({state: count for state, count in rows})


@dataclass
class HangingAdapter(ClockedAdapter):
    """Hangs in send after `hang_after` sends, like a process frozen mid-flight; the send may have gone out."""

    hang_after: int = 0
    hanging: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    stuck: asyncio.Event = field(default_factory=asyncio.Event)  # set once every worker hangs

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        sent = await super().send(conversation, message)
        if self.hang_after and len(self.sent) > self.hang_after:
            self.hanging += 1
            if self.hanging >= 4:
                self.stuck.set()
            await self.release.wait()
        return sent


async def test_crash_between_claim_and_send_loses_nothing(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = HangingAdapter(clock=clock, hang_after=15)
    app.notifier.register(adapter)
    await _team(app, 40)
    clock.set(MONDAY_0900_CPH)
    crashing = engine_for(app, name="crashing", batch_size=10, concurrency=4)
    tick = asyncio.create_task(crashing.tick())
    await asyncio.wait_for(adapter.stuck.wait(), timeout=10)
    tick.cancel()  # the process dies: nothing after this point runs
    with contextlib.suppress(asyncio.CancelledError):
        await tick
    in_flight = (await _states(app))["sending"]
    assert in_flight > 0
    adapter.hang_after = 0
    adapter.release.set()

    restarted = build_app(app.settings, clock=clock)
    try:
        restarted.notifier.register(adapter)
        engine = engine_for(restarted, name="restarted")
        await engine.tick()
        assert (await _states(app))["sending"] == in_flight  # claims of the dead process wait for their lease
        clock.advance(engine.config.lease + timedelta(seconds=1))
        await engine.tick()
    finally:
        await restarted.close()
    assert await _states(app) == Counter({"sent": 40})
    per_member = Counter(conversation.id for conversation, _ in adapter.sent)
    assert len(per_member) == 40  # nobody lost
    assert sum(per_member.values()) - 40 <= in_flight  # at most the in-flight ones twice


@pytest.mark.skipif(
    not on_postgres(), reason="SKIP LOCKED between replicas is a PostgreSQL property; SQLite has one writer"
)
async def test_two_dispatchers_on_postgres_send_each_of_1000_exactly_once(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)

    @dataclass
    class SlowAdapter(ClockedAdapter):
        async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
            await asyncio.sleep(0.0005)  # let the other replica's claims interleave
            return await super().send(conversation, message)

    adapter = SlowAdapter(clock=clock)
    app.notifier.register(adapter)
    await _team(app, 1000)
    clock.set(MONDAY_0900_CPH)
    replicas = [build_app(app.settings, clock=clock) for _ in range(2)]
    try:
        engines = []
        for number, replica in enumerate(replicas):
            replica.notifier.register(adapter)
            engines.append(engine_for(replica, name=f"replica-{number}", batch_size=50, concurrency=8))
        # Both plan at once (one wins the schedule), then both deliver at once.
        runs = await asyncio.gather(*(engine.planner.plan(clock.now()) for engine in engines))
        reports = await asyncio.gather(*(engine.dispatcher.deliver() for engine in engines))
    finally:
        for replica in replicas:
            await replica.close()
    per_member = Counter(conversation.id for conversation, _ in adapter.sent)
    assert len(per_member) == 1000 and set(per_member.values()) == {1}
    assert all(report.sent > 0 for report in reports)  # both replicas really worked
    assert sum(report.sent for report in reports) == 1000
    assert sorted(runs) == [0, 1]
    assert await _states(app) == Counter({"sent": 1000})


@dataclass
class RateLimitedAdapter(ClockedAdapter):
    """Answers "retry after 1 s" to every send until `limited_until`; notes any call made before it was allowed."""

    limited_until: datetime | None = None
    blocked_until: datetime | None = None
    too_early: list[datetime] = field(default_factory=list)
    refusals: int = 0

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        assert self.clock is not None and self.limited_until is not None
        now = self.clock.now()
        if self.blocked_until is not None and now < self.blocked_until:
            self.too_early.append(now)
        if now < self.limited_until:
            self.refusals += 1
            self.blocked_until = now + timedelta(seconds=1)
            raise RateLimited(1.0)
        return await super().send(conversation, message)


async def test_rate_limited_adapter_gets_everything_never_earlier_than_told(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = RateLimitedAdapter(clock=clock)
    app.notifier.register(adapter)
    await _team(app, 30)
    clock.set(MONDAY_0900_CPH)
    adapter.limited_until = clock.now() + timedelta(seconds=5)
    engine = engine_for(app, batch_size=8, concurrency=4)
    for _ in range(200):
        await engine.tick()
        if (await _states(app))["sent"] == 30:
            break
        clock.advance(timedelta(milliseconds=250))
    assert adapter.refusals >= 5
    assert adapter.too_early == []
    assert await _states(app) == Counter({"sent": 30})
    assert len({conversation.id for conversation, _ in adapter.sent}) == 30


async def test_failures_retry_with_backoff_then_fail_with_the_reason(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)

    @dataclass
    class BrokenAdapter(ClockedAdapter):
        async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
            if conversation.id == "D-U-m0000":
                raise DeliveryError("channel_not_found", permanent=True)
            raise DeliveryError("service unavailable")

    adapter = BrokenAdapter(clock=clock)
    app.notifier.register(adapter)
    await _team(app, 2)
    clock.set(MONDAY_0900_CPH)
    engine = engine_for(app, max_attempts=3, backoff_seconds=10)
    await engine.tick()
    clock.advance(timedelta(seconds=9))
    await engine.tick()
    assert (await _states(app))["pending"] == 1  # not retried before its backoff
    clock.advance(timedelta(seconds=1))
    await engine.tick()
    clock.advance(timedelta(seconds=20))
    await engine.tick()
    async with app.sessions() as session:
        rows = dict((await session.execute(select(Delivery.member_id, Delivery.reason))).all())
    assert await _states(app) == Counter({"failed": 2})
    assert sorted(rows.values()) == ["channel_not_found", "gave up after 3 attempts: service unavailable"]


async def test_answers_by_thread_form_and_dm_then_summary_and_streak(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    await say(app.bot, "hello", who="bo")  # bo is in the room now
    await say(app.bot, "nudge add weekdays 09:00 summary")  # posted in the channel
    await say(app.bot, "nudge add weekdays 09:00 me remind 2", where=dm("anna"))
    engine = engine_for(app)
    clock.set(MONDAY_0900_CPH)
    await engine.tick()
    channel_post = next(message for conversation, message in adapter.sent if conversation.id == ROOM.id)
    assert "Daily reflection" in all_text([channel_post])
    thread = "m1" if adapter.sent[0][0].id == ROOM.id else "m2"
    # A thread reply the bot merely overhears is an answer.
    reply = await say(app.bot, "We learned to pair on deploys", who="bo", thread_id=thread, addressed=False)
    assert "answer is saved" in all_text(reply)
    # The Answer button opens a form; submitting it edits the answer.
    button = channel_post.blocks[-1].buttons[0]  # type: ignore[union-attr]
    opened = await press(app.bot, button.action_id, button.value, who="bo")
    form = next(block for block in opened[0].blocks if isinstance(block, Form))
    assert form.inputs[0].initial == "We learned to pair on deploys"
    empty = await press(app.bot, form.action_id, form.value, who="bo", form={"answer": "  "})
    assert "empty" in all_text(empty)
    await press(app.bot, form.action_id, form.value, who="bo", form={"answer": "Pairing on deploys helps"})
    # anna answers her DM prompt by replying in the DM; a command there is still a command.
    assert "answer is saved" in all_text(await say(app.bot, "Reading the logs first", where=dm("anna")))
    assert "streak" in all_text(await say(app.bot, "streak", where=dm("anna"))).casefold()
    clock.advance(timedelta(hours=3))
    await engine.tick()  # reminder: anna answered, so none
    assert not any("reminder" in all_text([message]) for _, message in adapter.sent)
    clock.advance(timedelta(hours=18))  # the runs close
    await engine.tick()
    summary = adapter.sent[-1][1]
    assert "1 of 1 answered" in all_text([summary]) and "Pairing on deploys helps" in all_text([summary])
    assert summary.thread_id == thread
    # After the window an answer is still taken, and marked late (it used to be refused).
    late = await press(app.bot, form.action_id, form.value, who="bo", form={"answer": "too late"})
    assert "marked as late" in all_text(late)
    # Tuesday unanswered breaks nothing until it closes; Wednesday answered.
    for day in (1, 2):
        clock.set(MONDAY_0900_CPH + timedelta(days=day))
        await engine.tick()
        if day == 2:
            await say(app.bot, "Answered on Wednesday", where=dm("anna"))
    clock.advance(timedelta(hours=21))
    await engine.tick()
    assert "1 in a row (best: 1)" in all_text(await say(app.bot, "streak", where=dm("anna")))
    async with app.sessions() as session:
        rows = (await session.execute(select(Response.answers, Response.late).order_by(Response.id))).all()
    assert [(answers["answer"], late) for answers, late in rows] == [
        ("too late", True),
        ("Reading the logs first", False),
        ("Answered on Wednesday", False),
    ]


async def test_reflect_asks_on_demand_and_stop_opts_out(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    replies = await say(app.bot, "reflect the release")
    assert "What worked well in the release?" in all_text(replies)
    await say(app.bot, "nudge add weekdays 09:00 me", where=dm("anna"))
    assert "no more prompts" in all_text(await say(app.bot, "stop", where=dm("anna")))
    clock.set(MONDAY_0900_CPH)
    await engine_for(app).tick()
    assert adapter.sent == []
    await say(app.bot, "start", where=dm("anna"))
    clock.set(MONDAY_0900_CPH + timedelta(days=1))
    await engine_for(app).tick()
    assert len(adapter.sent) == 1


async def test_stop_during_a_tick_waits_for_it_instead_of_cancelling(app: App) -> None:
    import asyncio

    started, release = asyncio.Event(), asyncio.Event()
    finished: list[bool] = []
    real_tick = app.conversations.tick

    async def slow_tick() -> object:
        started.set()
        await release.wait()
        report = await real_tick()
        finished.append(True)
        return report

    keeper = TimeKeeper(app.clock, slow_tick, app.conversations.next_due, tick_seconds=10)
    keeper.start()
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(keeper.stop())
    await asyncio.sleep(0)
    assert not stopping.done()  # stop waits for the tick in progress
    release.set()
    await asyncio.wait_for(stopping, 5)
    assert finished == [True]
    assert not keeper.running
