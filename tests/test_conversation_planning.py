"""A large run is written in chunks while its first deliveries are already being sent; a planner that dies
between chunks loses nothing and duplicates nothing. On a ManualClock."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.tables import Delivery, Round, Series
from tests.engine_support import adapter_for, engine_for
from tests.support import ROOM, say, user

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MONDAY_0900_CPH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TUESDAY_0900_CPH = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


class PlannerDied(Exception):
    pass


async def _team_of_40(app: App) -> None:
    await app.membership.record_members(ROOM, [user(f"m{number:02d}") for number in range(39)])
    await say(app.bot, "nudge add weekdays 09:00 dm")  # anna asks: 39 members and anna


async def _facts(app: App) -> tuple[Counter[str], int, datetime | None]:
    async with app.sessions() as session:
        states = Counter(
            dict((await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
        )
        runs = await session.scalar(select(func.count()).select_from(Round))
        due = await session.scalar(select(Series.next_due_at))
    return states, runs or 0, due


async def test_a_run_written_in_chunks_is_sent_once_to_everyone(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    await _team_of_40(app)
    clock.set(MONDAY_0900_CPH)
    report = await engine_for(app, plan_chunk=7, batch_size=5, concurrency=3).tick()
    assert report.rounds == 1 and report.delivery.sent == 40
    assert await _facts(app) == (Counter({"sent": 40}), 1, TUESDAY_0900_CPH)
    assert set(Counter(conversation.id for conversation, _ in adapter.sent).values()) == {1}


async def test_planner_dying_between_chunks_loses_and_duplicates_nothing(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    await _team_of_40(app)
    clock.set(MONDAY_0900_CPH)
    dying = engine_for(app, plan_chunk=7)

    def die() -> None:
        raise PlannerDied  # right after the first transaction committed

    with pytest.raises(PlannerDied):
        await dying.planner.plan(clock.now(), die)
    states, runs, due = await _facts(app)
    assert (states, runs, due) == (Counter({"pending": 7}), 1, MONDAY_0900_CPH)  # still due: it fires again

    report = await engine_for(app, plan_chunk=7).tick()
    assert report.delivery.sent == 40
    assert await _facts(app) == (Counter({"sent": 40}), 1, TUESDAY_0900_CPH)
    per_member = Counter(conversation.id for conversation, _ in adapter.sent)
    assert len(per_member) == 40 and set(per_member.values()) == {1}


async def test_large_rounds_due_together_all_start_in_the_first_transaction(app: App, clock: ManualClock) -> None:
    """Two channels of 20 due at once, 10 invitations a transaction: the first holds 5 of each (both workspaces'
    senders start at once), the later ones take from both in turn, and each series moves on with its last rows."""
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    other = replace(ROOM, id="C-other", name="other-room")
    await app.membership.record_members(ROOM, [user(f"a{number:02d}") for number in range(19)])
    await app.membership.record_members(other, [user(f"b{number:02d}") for number in range(19)])
    await say(app.bot, "nudge add weekdays 09:00 dm")
    await say(app.bot, "nudge add weekdays 09:00 dm", where=other)
    clock.set(MONDAY_0900_CPH)

    def die() -> None:
        raise PlannerDied  # right after the first transaction committed

    with pytest.raises(PlannerDied):
        await engine_for(app, plan_chunk=10).planner.plan(clock.now(), die)
    async with app.sessions() as session:
        per_round = Counter((await session.scalars(select(Delivery.round_id))).all())
        still_due = (await session.scalars(select(Series.next_due_at))).all()
    assert sorted(per_round.values()) == [5, 5] and set(still_due) == {MONDAY_0900_CPH}

    report = await engine_for(app, plan_chunk=10, batch_size=5, concurrency=3).tick()
    assert report.delivery.sent == 40
    async with app.sessions() as session:
        moved_on = (await session.scalars(select(Series.next_due_at))).all()
        states = Counter((await session.scalars(select(Delivery.state))).all())
    assert set(moved_on) == {TUESDAY_0900_CPH} and states == Counter({"sent": 40})
    per_member = Counter(conversation.id for conversation, _ in adapter.sent)
    assert Counter(per_member.values()) == Counter({1: 38, 2: 1})  # anna is in both channels
