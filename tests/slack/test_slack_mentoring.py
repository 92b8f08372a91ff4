"""A mentor pair over signed Slack HTTP: the slash command makes the pair, the check-in reaches each DM at 10:00
the member's time, the Answer button opens the modal, the submission is stored and offers the learning-log button,
and pressing it logs the learning."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.conversations.kinds import ANSWER_ACTION
from bot.conversations.tables import Response
from bot.learning.tables import Learning
from bot.mentoring.checkin import TO_LOG_ACTION
from tests.slack.conftest import SlackRig, payload
from tests.slack.test_slack_roster import dm_tick, settle


def _buttons(posted: dict[str, Any]) -> list[dict[str, Any]]:
    return [element for block in posted["blocks"] if block["type"] == "actions" for element in block["elements"]]


def _press(rig: SlackRig, user: str, channel: str, button: dict[str, Any], trigger: str) -> dict[str, Any]:
    body = payload("block_actions_message", trigger_id=trigger, response_url=rig.api.response_url())
    body["user"] = {**body["user"], "id": user}
    body["channel"] = {"id": channel, "name": "directmessage"}
    body["container"] = {**body["container"], "channel_id": channel}
    body["actions"] = [{**body["actions"][0], "action_id": button["action_id"], "value": button["value"]}]
    return body


def _filled(view: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element")
        if element is None:
            continue
        field = next(name for name in values if name in block["block_id"] or name in element["action_id"])
        if element["type"] == "static_select":
            answer = {"type": "static_select", "selected_option": {"value": values[field]}}
        else:
            answer = {"type": "plain_text_input", "value": values[field]}
        state[block["block_id"]] = {element["action_id"]: answer}
    return {"values": state}


async def test_a_mentor_pair_checks_in_over_slack(slack: SlackRig) -> None:
    slack.api.users["U111"] = {"is_admin": True}
    slack.api.users["U222"] = {"tz": "Europe/Helsinki"}
    hello = payload("message_im", event_id="Ev0BO")
    hello["event"] = {**hello["event"], "user": "U222", "channel": "D222", "text": "hello"}
    assert (await slack.event(hello)).status == 200  # Bo's first contact: his profile (time zone) is read
    await settle(slack)
    slack.api.calls.clear()
    assert (await slack.command("/learnbot", "mentor pair <@U111> <@U222> weekly goal Deploys")).status == 200
    await settle(slack)
    [reply] = await slack.api.wait_for("chat.postMessage")  # said in the channel, for both to see
    assert reply["channel"] == "C111" and "Mentor pair #1" in reply["text"]

    # 10:00 in Helsinki is 08:00 UTC, in Copenhagen 09:00 UTC.
    assert await dm_tick(slack, slack.app.clock, datetime(2026, 11, 30, 8, 0, tzinfo=UTC)) == {"D222"}  # type: ignore[arg-type]
    assert await dm_tick(slack, slack.app.clock, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)) == {"D111"}  # type: ignore[arg-type]
    posted = next(call for call in slack.api.of("chat.postMessage") if call["channel"] == "D222")
    [answer] = [button for button in _buttons(posted) if button["action_id"] == ANSWER_ACTION]

    assert (await slack.interact(_press(slack, "U222", "D222", answer, "trigger-1"))).status == 200
    [opened] = await slack.api.wait_for("views.open")
    submission = payload("view_submission")
    submission["user"] = {**submission["user"], "id": "U222"}
    values = {"met": "yes", "talked": "Deploys", "learned": "Feature flags decouple deploy from release"}
    submission["view"].update(
        private_metadata=opened["view"]["private_metadata"], state=_filled(opened["view"], values)
    )
    assert (await slack.interact(submission)).status == 200
    await settle(slack)
    async with slack.app.sessions() as session:
        [stored] = (await session.scalars(select(Response.answers))).all()
    assert stored == values

    confirmations = slack.api.of("chat.postEphemeral") + slack.api.of("chat.postMessage")
    offered = [
        b for call in confirmations if call.get("blocks") for b in _buttons(call) if b["action_id"] == TO_LOG_ACTION
    ]
    assert len(offered) == 1
    assert (await slack.interact(_press(slack, "U222", "D222", offered[0], "trigger-2"))).status == 200
    await settle(slack)
    async with slack.app.sessions() as session:
        assert list(await session.scalars(select(Learning.text))) == [values["learned"]]
