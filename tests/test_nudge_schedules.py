"""Nudges at local time: DST, holidays by country, vacation, resurfacing — all on a ManualClock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.tables import Delivery, Response
from bot.model import OutboundMessage
from tests.engine_support import adapter_for, dm, engine_for, tick_until
from tests.support import ROOM, all_text, press, say, user

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.mark.parametrize(
    ("start", "utc_hours"),
    [
        # Autumn: CEST (UTC+2) until Sunday 25 October 2026, then CET (UTC+1).
        (datetime(2026, 10, 23, 0, 0, tzinfo=UTC), [7, 7, 8, 8, 8]),
        # Spring: CET until Sunday 29 March 2026, then CEST.
        (datetime(2026, 3, 27, 0, 0, tzinfo=UTC), [8, 8, 7, 7, 7]),
    ],
)
async def test_dst_switch_fires_at_nine_local_on_both_sides(
    app: App, clock: ManualClock, start: datetime, utc_hours: list[int]
) -> None:
    clock.set(start)
    adapter = adapter_for(app, {"anna": "Europe/Copenhagen"})
    replies = await say(app.bot, "nudge add daily 09:00 weekends", where=dm("anna"))
    assert "Nudge 1 added" in all_text(replies)
    engine = engine_for(app)
    await tick_until(engine, clock, start + timedelta(days=5), timedelta(hours=1))
    assert [moment.hour for moment in adapter.times] == utc_hours
    assert {moment.astimezone(CPH).strftime("%H:%M") for moment in adapter.times} == {"09:00"}
    assert len({moment.date() for moment in adapter.times}) == 5


async def test_danish_holiday_skips_dk_member_but_not_member_elsewhere(app: App, clock: ManualClock) -> None:
    clock.set(datetime(2026, 12, 24, 12, 0, tzinfo=UTC))
    adapter = adapter_for(app, {"anna": "Europe/Copenhagen", "kenji": "Europe/Copenhagen"})
    assert "DK" in all_text(await say(app.bot, "holidays dk", who="anna"))
    assert "JP" in all_text(await say(app.bot, "holidays JP", who="kenji"))
    assert "not a country code" in all_text(await say(app.bot, "holidays Narnia", who="kenji"))
    await say(app.bot, "nudge add weekdays 09:00 dm", who="anna")
    engine = engine_for(app)
    clock.set(datetime(2026, 12, 25, 8, 0, tzinfo=UTC))  # Friday, Christmas Day, 09:00 in Copenhagen
    await engine.tick()
    assert [conversation.id for conversation, _ in adapter.sent] == ["D-U-kenji"]
    async with app.sessions() as session:
        skipped = (await session.scalars(select(Delivery).where(Delivery.state == "skipped"))).one()
        assert skipped.reason == "holiday:DK"
    clock.set(datetime(2026, 12, 28, 8, 0, tzinfo=UTC))  # Monday: both are asked
    await engine.tick()
    assert sorted(conversation.id for conversation, _ in adapter.sent[1:]) == ["D-U-anna", "D-U-kenji"]


async def test_pause_until_skips_and_resume_restores(app: App, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # Monday
    adapter = adapter_for(app)
    await say(app.bot, "nudge add weekdays 09:00", where=dm("anna"))
    reply = all_text(await say(app.bot, "pause until 2026-11-25", where=dm("anna")))
    assert "2026-11-26" in reply
    assert "not a date" in all_text(await say(app.bot, "pause until soon", where=dm("anna")))
    engine = engine_for(app)
    await tick_until(engine, clock, datetime(2026, 11, 25, 23, 0, tzinfo=UTC), timedelta(hours=1))
    assert adapter.sent == []  # Mon–Wed paused
    await tick_until(engine, clock, datetime(2026, 11, 26, 12, 0, tzinfo=UTC), timedelta(hours=1))
    assert len(adapter.sent) == 1  # Thursday: back
    await say(app.bot, "pause", where=dm("anna"))
    await tick_until(engine, clock, datetime(2026, 11, 27, 12, 0, tzinfo=UTC), timedelta(hours=1))
    assert len(adapter.sent) == 1  # Friday: paused without end
    assert "Welcome back" in all_text(await say(app.bot, "resume", where=dm("anna")))
    await tick_until(engine, clock, datetime(2026, 12, 1, 12, 0, tzinfo=UTC), timedelta(hours=1))
    assert len(adapter.sent) == 3  # Monday and Tuesday after resume; no weekend
    async with app.sessions() as session:
        reasons = (await session.scalars(select(Delivery.reason).order_by(Delivery.due_at))).all()
    assert reasons == ["paused", "paused", "paused", None, "paused", None, None]


async def test_resurfacing_asks_after_one_seven_and_thirty_days(app: App, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    adapter = adapter_for(app)
    logged = clock.now()
    await say(app.bot, "learned Small pull requests get reviewed faster", where=dm("anna"))
    engine = engine_for(app)
    asked: list[datetime] = []
    for day in range(32):
        for hour in (0, 12):
            clock.set(logged + timedelta(days=day, hours=hour) - timedelta(minutes=1))
            before = len(adapter.sent)
            await engine.tick()
            if len(adapter.sent) > before:
                asked.append(clock.now())
            clock.advance(timedelta(minutes=1))
            before = len(adapter.sent)
            await engine.tick()
            if len(adapter.sent) > before:
                asked.append(clock.now())
    assert asked == [logged + timedelta(days=days) for days in (1, 7, 30)]
    assert "Small pull requests get reviewed faster" in all_text([adapter.sent[0][1]])
    button = adapter.sent[0][1].blocks[-1].buttons[0]  # type: ignore[union-attr]
    reply = await press(app.bot, button.action_id, button.value, where=dm("anna"))
    assert "used it" in all_text(reply)
    async with app.sessions() as session:
        answer = (await session.scalars(select(Response))).one()
    assert answer.answers == {"outcome": "yes"}


async def test_bad_schedule_input_gets_a_clear_message_and_saves_nothing(app: App) -> None:
    assert "not a time of day" in all_text(await say(app.bot, "nudge add daily 25:00"))
    assert "five fields" in all_text(await say(app.bot, "nudge add cron 0 9 *"))
    assert "not a weekday" in all_text(await say(app.bot, "nudge add weekly someday"))
    assert "don't know the option" in all_text(await say(app.bot, "nudge add daily 09:00 loudly"))
    assert "no nudges here" in all_text(await say(app.bot, "nudge list"))
    await say(app.bot, "nudge add weekly fri 14:30 story summary")
    listed = all_text(await say(app.bot, "nudge list"))
    assert "#1" in listed and "Friday story" in listed and "14:30" in listed
    assert "paused" in all_text(await say(app.bot, "nudge pause 1"))
    assert "no nudge 7" in all_text(await say(app.bot, "nudge remove 7"))
    assert "removed" in all_text(await say(app.bot, "nudge remove 1"))


async def test_home_shows_streak_next_nudges_and_pause_button(app: App) -> None:
    from bot.model import Buttons, Fields

    await say(app.bot, "nudge add weekdays 09:00")
    blocks = await app.bot.handle_home(user("anna"), ROOM)
    text = all_text([OutboundMessage(text="", blocks=blocks)])
    assert "No streak yet" in text
    fields = next(block for block in blocks if isinstance(block, Fields))
    # The clock stands at 09:00 Copenhagen on Monday, so the next weekday 09:00 is Tuesday.
    assert fields.pairs[0] == ("Tue 2026-11-24 09:00", "Daily reflection")
    pause = next(
        block for block in blocks if isinstance(block, Buttons) and block.buttons[0].action_id == "nudges.pause"
    )
    assert "Paused" in all_text(await press(app.bot, pause.buttons[0].action_id))
    blocks = await app.bot.handle_home(user("anna"), ROOM)
    text = all_text([OutboundMessage(text="", blocks=blocks)])
    assert "Your prompts are paused." in text and "Resume my prompts" in text


async def test_proactive_prompts_carry_the_members_language(app: App) -> None:
    adapter = adapter_for(app)
    await say(app.bot, "language sv")
    await say(app.bot, "nudge add weekdays 09:00 me")
    app.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    await app.conversations.tick()
    [(_, prompt)] = adapter.sent
    assert prompt.language == "sv" and "Vad har vi lärt oss sedan sist?" in all_text([prompt])
