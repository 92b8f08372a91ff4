"""A learning circle over signed Slack HTTP: `/learnbot circle start <#C111|general> …` in the channel (the channel
as Slack sends a picked one), members join by slash command, the round is drawn at 09:00 and announced in
the channel and each group's announcement in its members' DMs (valid Block Kit, checked by the fake Web API), the
check-in's "Yes, we met" button answers in one press, and the closed check-in is a row of circle_meetings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.circles.tables import CircleMeeting
from bot.clock import ManualClock
from bot.conversations.kinds import CHOOSE_ACTION
from bot.conversations.tables import Response
from tests.slack.conftest import SlackRig
from tests.slack.test_slack_mentoring import _buttons, _press
from tests.slack.test_slack_roster import dm_tick, settle

MEMBERS = ("U111", "U222", "U333", "U444")


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _texts(calls: list[dict[str, Any]], channel: str) -> list[str]:
    return [call["text"] for call in calls if call["channel"] == channel]


async def test_a_learning_circle_over_slack(slack: SlackRig, clock: ManualClock) -> None:
    slack.api.users["U111"] = {"is_admin": True}
    assert (await slack.command("/learnbot", "circle start <#C999|elsewhere>")).status == 200
    assert (await slack.command("/learnbot", "circle start <#C111|general> every 2 weeks size 2")).status == 200
    await settle(slack)
    started = [call["text"] for call in slack.api.of("chat.postMessage") if call["channel"] == "C111"]
    assert len(started) == 1 and started[0].startswith("Learning circle #1 started here: every 2 weeks")
    said = [str(call) for call in slack.api.of("response_url:r1") + slack.api.of("chat.postEphemeral")]
    assert any("Start the circle in #elsewhere itself" in text for text in said), said
    for user in MEMBERS:
        assert (await slack.command("/learnbot", "circle join", user_id=user, user_name=user.lower())).status == 200
    await settle(slack)

    first_tick = await dm_tick(slack, clock, utc(24, 8))  # 09:00 in Copenhagen on Tuesday
    second_tick = await dm_tick(slack, clock, utc(24, 8, 1))
    posted = slack.api.of("chat.postMessage")
    assert any(text.startswith("Learning circle #1: this round's groups are drawn.") for text in _texts(posted, "C111"))
    announced = {call["channel"] for call in posted if call["text"] == "Your learning circle group (#general)"}
    assert len(announced) == 4 and announced <= first_tick | second_tick and "C111" not in announced

    before = len(posted)
    clock.set(utc(4, 9, month=12))  # 10:00 in Copenhagen
    await slack.app.conversations.tick()
    checkins = [call for call in slack.api.of("chat.postMessage")[before:] if "meet?" in call["text"]]
    assert len(checkins) == 4
    mine = checkins[0]
    yes = next(b for b in _buttons(mine) if b["action_id"] == CHOOSE_ACTION and b["value"].endswith(":met:yes"))
    # Whose DM it is: the fake Web API opens D + the user id's digits.
    owner = next(u for u in MEMBERS if mine["channel"].endswith(u[1:]))
    assert (await slack.interact(_press(slack, owner, mine["channel"], yes, "trigger-yes"))).status == 200
    await settle(slack)
    async with slack.app.sessions() as session:
        assert list(await session.scalars(select(Response.answers))) == [{"met": "yes"}]

    clock.set(utc(6, 9, 1, month=12))
    await slack.app.conversations.tick()
    async with slack.app.sessions() as session:
        meetings = sorted(
            (meeting.met is True, meeting.answered) for meeting in await session.scalars(select(CircleMeeting))
        )
    assert meetings == [(False, 0), (True, 1)]
