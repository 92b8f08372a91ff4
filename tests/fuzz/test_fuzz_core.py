"""Hostile lines into every registered command through the core: always an answer, never an exception or an
error in the log, and every reply renders on Slack, Teams and the terminal without a broadcast mention."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.app import App
from adapters.console.render import Style
from adapters.console.render import render as console_render
from adapters.slack import render as slack_render
from adapters.teams import cards as teams_cards
from bot.model import ConversationKind, ConversationRef
from tests.fuzz.conftest import FUZZ, LogWatch
from tests.fuzz.vocabulary import lines
from tests.hostile.support import rendered_broadcasts
from tests.support import PLATFORM, ROOM, TENANT, say

DIRECT = ConversationRef(PLATFORM, TENANT, "D-anna", ConversationKind.DIRECT, name="anna")


async def _answered(app: App, log_watch: LogWatch, line: str, direct: bool) -> None:
    replies = await say(app.bot, line, where=DIRECT if direct else ROOM)
    assert replies, f"no answer to {line!r}"
    for reply in replies:
        assert rendered_broadcasts(slack_render.message(reply), "slack") == [], line
        for activity in teams_cards.render(reply):
            assert rendered_broadcasts(activity, "teams") == [], line
        for form in reply.forms():
            assert rendered_broadcasts(slack_render.modal(form), "slack") == [], line
        console_render(reply, Style())
    log_watch.assert_clean(line)


@pytest.mark.parametrize(
    "line",
    [
        "nudge remove ²",
        "nudge remove 99999999999999999999999",
        "nudge remove 99999999999",  # past PostgreSQL's integer, within SQLite's
        "nudge pause -1",
        "remind ①",
        "learnings --page ٣",
        "learnings --page 99999999999999999999",
        "learned " + "a" * 40_001,
        "reflect <!channel>",
        "\u202e\x00",
    ],
)
async def test_the_issues_examples_are_answered(app: App, log_watch: LogWatch, line: str) -> None:
    await _answered(app, log_watch, line, direct=True)


@FUZZ
@given(data=st.data(), direct=st.booleans())
async def test_every_registered_command_answers_hostile_input(
    app: App, log_watch: LogWatch, data: st.DataObject, direct: bool
) -> None:
    line = data.draw(lines(app.bot, app.catalog), label="line")
    await _answered(app, log_watch, line, direct)
