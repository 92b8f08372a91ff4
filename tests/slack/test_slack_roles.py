"""Roles and nudge ownership over signed Slack HTTP with the fake Web API: mentions keep their user ids."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from adapters.slack import translate
from bot.db.models import Member
from tests.slack.conftest import SlackRig, payload

ANSWERS = ("response_url:r1", "chat.postMessage")  # private replies, and those the channel sees


async def said(slack: SlackRig, user_id: str, text: str, count: int) -> str:
    """Send `/learnbot text` as `user_id` and return the bot's answer, its `count`th in this test."""
    await slack.command("/learnbot", text, user_id=user_id, user_name=user_id.lower())
    deadline = asyncio.get_running_loop().time() + 5
    while len(answers := [call for call in slack.api.calls if call.method in ANSWERS]) < count:
        assert asyncio.get_running_loop().time() < deadline, [call.method for call in slack.api.calls]
        await asyncio.sleep(0.01)
    return " ".join(json.dumps(answers[count - 1].args, ensure_ascii=False).split())


async def test_anna_grants_bo_manager_by_mention_and_then_bo_may_remove_the_channel_nudge(slack: SlackRig) -> None:
    slack.api.users["U111"] = {"is_admin": True, "profile": {"display_name": "Anna"}}
    slack.api.users["U222"] = {"profile": {"display_name": "Bo"}}
    assert "Nudge 1 added" in await said(slack, "U111", "nudge add daily 09:00 me", 1)
    assert "Nudge 2 added" in await said(slack, "U111", "nudge add weekdays 10:00", 2)
    listed = await said(slack, "U222", "nudge list", 3)
    assert "#2" in listed and "#1" not in listed
    refused = await said(slack, "U222", "nudge remove 2", 4)
    assert "only Anna, who added it, managers and admins can change it" in refused and "Ask Anna." in refused
    # should_escape: Slack sends the mention with its id; the bot keeps the id, shows the name.
    assert "Bo is now manager." in await said(slack, "U111", "role grant <@U222|bo> manager", 5)
    assert "Nudge 2 removed." in await said(slack, "U222", "nudge remove 2", 6)
    async with slack.app.sessions() as session:
        roles = {m.platform_user_id: (m.role, m.role_source) for m in await session.scalars(select(Member))}
    assert roles == {"U111": ("admin", "platform"), "U222": ("manager", "granted")}


def test_slack_markup_becomes_plain_text_and_mentions() -> None:
    text, mentioned, mentions = translate.read_text(
        "<@UBOT> role grant <@U222|bo> manager in <#C1|general> &lt;b&gt; <!here> <https://x.example|link>",
        "T1",
        "UBOT",
    )
    assert mentioned and text == "role grant @bo manager in #general <b> @here https://x.example"
    assert [(m.user.id, m.text) for m in mentions] == [("U222", "@bo")]
    message = translate.slash_command(payload("slash_command", text="role revoke <@U333>"))
    assert message.text == "role revoke @U333" and message.mentions[0].user.id == "U333"


def dm_event(text: str, event_id: str) -> dict[str, object]:
    envelope = payload("message_im", event_id=event_id)
    envelope["event"] = {**envelope["event"], "text": text, "ts": f"17000003{len(event_id)}.0001"}  # type: ignore[dict-item]
    return envelope


async def test_a_dm_answer_starting_with_stop_asks_first_and_the_button_saves_it(slack: SlackRig) -> None:
    from bot.conversations.tables import Response
    from bot.people.tables import MemberSettings

    await slack.event(dm_event("reflect the release", "Ev1"))
    await slack.api.wait_for("chat.postMessage")  # the prompt, in the DM
    await slack.event(dm_event("Stop doing big-bang releases", "Ev22"))
    [asked] = await slack.api.wait_for("chat.postEphemeral")
    buttons = [element for block in asked["blocks"] if block["type"] == "actions" for element in block["elements"]]
    assert [button["action_id"] for button in buttons] == ["core.as_answer", "core.as_command"]
    async with slack.app.sessions() as session:
        assert (await session.scalars(select(Response))).all() == []
    press = payload(
        "block_actions_message",
        channel={"id": "D111", "name": "directmessage"},
        container={"type": "message", "message_ts": "1700000400.0001", "channel_id": "D111", "is_ephemeral": True},
        actions=[{"action_id": "core.as_answer", "block_id": "b1", "value": buttons[0]["value"], "type": "button"}],
    )
    press["response_url"] = slack.api.response_url("r2")
    assert (await slack.interact(press)).status == 200
    [saved] = await slack.api.wait_for("response_url:r2")
    assert "your answer is saved" in json.dumps(saved)
    async with slack.app.sessions() as session:
        answers = [a.answers.get("answer") for a in await session.scalars(select(Response))]
        assert answers == ["Stop doing big-bang releases"]
        preference = await session.scalar(select(MemberSettings))
        assert preference is None or not preference.opted_out
