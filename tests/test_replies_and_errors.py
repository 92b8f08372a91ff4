"""Answers that start with a command word ask first; an unexpected error answers with an apology and a code."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from adapters.app import App
from bot.commands.spec import Args
from bot.conversations.tables import Response
from bot.core import AS_ANSWER, AS_COMMAND
from bot.learning.tables import Learning
from bot.model import Buttons, OutboundMessage
from bot.people.tables import MemberSettings
from bot.turn import Turn
from tests.engine_support import dm
from tests.support import RecordingAdapter, add_test_command, all_text, press, say


def buttons(replies: list[OutboundMessage]) -> dict[str, str]:
    return {
        b.action_id: b.value for r in replies for block in r.blocks if isinstance(block, Buttons) for b in block.buttons
    }


async def open_prompt(app: App) -> None:
    app.notifier.register(RecordingAdapter())
    assert "What worked well" in all_text(await say(app.bot, "reflect the release", where=dm("anna")))


async def test_an_answer_starting_with_stop_asks_and_saving_it_keeps_prompts_on(app: App) -> None:
    await open_prompt(app)
    asked = await say(app.bot, "Stop doing big-bang releases", where=dm("anna"))
    assert "or did you mean the command stop?" in all_text(asked)
    choice = buttons(asked)
    assert set(choice) == {AS_ANSWER, AS_COMMAND}
    async with app.sessions() as session:  # nothing happens until a button is pressed
        assert await session.scalar(select(func.count()).select_from(Response)) == 0
        assert await session.get(MemberSettings, 1) is None
    assert "for the member who wrote" in all_text(await press(app.bot, AS_ANSWER, choice[AS_ANSWER], who="bo"))
    assert "expired" in all_text(await press(app.bot, AS_ANSWER, "[1]", where=dm("anna")))
    saved = await press(app.bot, AS_ANSWER, choice[AS_ANSWER], where=dm("anna"))
    assert "your answer is saved" in all_text(saved) and saved[0].replace_source
    async with app.sessions() as session:
        assert [r.answers.get("answer") for r in await session.scalars(select(Response))] == [
            "Stop doing big-bang releases"
        ]
        preference = await session.scalar(select(MemberSettings))
        assert preference is None or not preference.opted_out


async def test_choosing_the_command_runs_it(app: App) -> None:
    await open_prompt(app)
    asked = await say(app.bot, "learned that pairing helps", where=dm("anna"))
    ran = await press(app.bot, AS_COMMAND, buttons(asked)[AS_COMMAND], where=dm("anna"))
    assert "Saved to the learning log" in all_text(ran)
    async with app.sessions() as session:
        assert list(await session.scalars(select(Learning.text))) == ["that pairing helps"]
        assert await session.scalar(select(func.count()).select_from(Response)) == 0


async def test_plain_text_stays_an_answer_and_a_bare_command_runs(app: App) -> None:
    await open_prompt(app)
    assert "your answer is saved" in all_text(await say(app.bot, "Smaller releases", where=dm("anna")))
    assert "Your streak: 1 in a row" in all_text(await say(app.bot, "streak", where=dm("anna")))
    assert "Paused" in all_text(await say(app.bot, "pause", where=dm("anna")))


async def test_a_handler_that_raises_rolls_back_and_apologises_with_the_logged_code(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(turn: Turn, args: Args) -> list[OutboundMessage]:
        await app.bot.commands.get("learned").handler(turn, Args(text="half-done work"))  # type: ignore[union-attr]
        raise RuntimeError("test-only failure")

    add_test_command(app.bot, "boom", boom)
    await say(app.bot, "language da")
    with caplog.at_level(logging.ERROR, logger="learnbot.errors"):
        replies = await say(app.bot, "boom")
    text = all_text(replies)
    code = re.search(r"koden ([0-9A-F]{8})", text)
    assert code is not None and "Undskyld" in text and replies[0].private
    [record] = [record for record in caplog.records if code.group(1) in record.getMessage()]
    assert record.exc_info is not None and "test-only failure" in str(record.exc_info[1])
    async with app.sessions() as session:  # the turn was rolled back
        assert await session.scalar(select(func.count()).select_from(Learning)) == 0


async def test_a_failing_action_gets_the_apology_too(app: App, caplog: pytest.LogCaptureFixture) -> None:
    async def broken(turn: Turn, action: object) -> list[OutboundMessage]:
        raise ValueError("test-only")

    app.bot.action("test.broken", broken)
    with caplog.at_level(logging.ERROR, logger="learnbot.errors"):
        text = all_text(await press(app.bot, "test.broken"))
    code = re.search(r"the code ([0-9A-F]{8})", text)
    assert code is not None and any(code.group(1) in record.getMessage() for record in caplog.records)


async def test_adapter_failures_reach_the_same_error_path(caplog: pytest.LogCaptureFixture) -> None:
    from adapters.slack.backlog import Backlog

    backlog = Backlog(workers=1)

    async def failing() -> None:
        raise RuntimeError("test-only slack failure")

    with caplog.at_level(logging.ERROR, logger="learnbot.errors"):
        backlog.submit(failing)
        await backlog.drain()
        await backlog.stop()
    [record] = caplog.records
    assert re.search(r"unexpected error [0-9A-F]{8} in a Slack request", record.getMessage())
    assert record.exc_info is not None


async def test_an_answer_too_long_for_a_button_is_taken_as_the_answer(app: App) -> None:
    await open_prompt(app)
    long_answer = "Stop " + "shipping everything at once. " * 100
    assert "your answer is saved" in all_text(await say(app.bot, long_answer, where=dm("anna")))
    async with app.sessions() as session:
        assert [r.answers.get("answer") for r in await session.scalars(select(Response))] == [long_answer.strip()]
