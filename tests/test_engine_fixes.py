"""What the conversation engine fixed (each of these failed before it), on a ManualClock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.tables import Delivery, Response, Round
from tests.engine_support import adapter_for, dm, engine_for
from tests.support import ROOM, all_text, press, say

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MONDAY_0900_CPH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("away", ["pause", "stop"])
async def test_a_member_who_paused_or_stopped_gets_no_reminder(app: App, clock: ManualClock, away: str) -> None:
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    await say(app.bot, "nudge add weekdays 09:00 me remind 2", where=dm("anna"))
    engine = engine_for(app)
    clock.set(MONDAY_0900_CPH)
    await engine.tick()
    assert len(adapter.sent) == 1  # the prompt
    await say(app.bot, away, where=dm("anna"))
    clock.advance(timedelta(hours=2, minutes=1))
    await engine.tick()
    assert len(adapter.sent) == 1, all_text([message for _, message in adapter.sent])
    async with app.sessions() as session:
        reminder = (await session.scalars(select(Delivery).where(Delivery.purpose == "reminder"))).one()
    assert (reminder.state, reminder.reason) == ("skipped", "paused" if away == "pause" else "opted_out")


async def test_an_answer_to_a_channel_post_counts_for_the_answering_members_streak(
    app: App, clock: ManualClock
) -> None:
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    await say(app.bot, "hello", who="bo")
    await say(app.bot, "nudge add weekdays 09:00")  # posted in the channel
    engine = engine_for(app)
    for day in range(2):
        clock.set(MONDAY_0900_CPH + timedelta(days=day))
        await engine.tick()
        post = adapter.sent[-1]
        assert post[0].id == ROOM.id
        thread = f"m{len(adapter.sent)}"
        await say(app.bot, f"Day {day} went well", who="bo", thread_id=thread, addressed=False)
    clock.set(MONDAY_0900_CPH + timedelta(days=1, hours=21))
    await engine.tick()
    assert "2 in a row (best: 2)" in all_text(await say(app.bot, "streak", who="bo", where=dm("bo")))


async def test_the_answer_window_is_a_setting_and_late_answers_are_kept_marked_late(
    app: App, clock: ManualClock
) -> None:
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    await say(app.bot, "nudge add weekdays 09:00 me window 2", where=dm("anna"))
    engine = engine_for(app)
    clock.set(MONDAY_0900_CPH)
    await engine.tick()
    async with app.sessions() as session:
        round = (await session.scalars(select(Round))).one()
    assert round.closes_at == MONDAY_0900_CPH + timedelta(hours=2)
    clock.advance(timedelta(hours=2, minutes=5))
    await engine.tick()
    button = adapter.sent[0][1].blocks[-1].buttons[0]  # type: ignore[union-attr]
    form = (await press(app.bot, button.action_id, button.value, where=dm("anna")))[0].forms()[0]
    saved = await press(app.bot, form.action_id, form.value, where=dm("anna"), form={"answer": "Late but true"})
    assert "marked as late" in all_text(saved)
    async with app.sessions() as session:
        response = (await session.scalars(select(Response))).one()
    assert (response.answers, response.late) == ({"answer": "Late but true"}, True)


async def test_thread_replies_extend_the_answer_and_the_form_replaces_it(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    await say(app.bot, "nudge add weekdays 09:00")
    clock.set(MONDAY_0900_CPH)
    await engine_for(app).tick()
    await say(app.bot, "First thought", thread_id="m1", addressed=False)
    await say(app.bot, "Second thought", thread_id="m1", addressed=False)
    button = adapter.sent[0][1].blocks[-1].buttons[0]  # type: ignore[union-attr]
    form = (await press(app.bot, button.action_id, button.value))[0].forms()[0]
    assert form.inputs[0].initial == "First thought\nSecond thought"  # the form shows the whole answer
    await press(app.bot, form.action_id, form.value, form={"answer": "One clear thought"})
    async with app.sessions() as session:
        answers = (await session.scalars(select(Response.answers))).all()
    assert answers == [{"answer": "One clear thought"}]
    assert "adds a line to your answer" in all_text(await say(app.bot, "help nudge"))
