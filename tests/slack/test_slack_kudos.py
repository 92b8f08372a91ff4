"""Kudos over Slack: signed requests in, the fake Web API out. The command in a channel, the button under search
results, and a 👏 reaction on the message a learning was saved from; a retried reaction event counts once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from adapters.slack.manifest import BOT_EVENTS, BOT_SCOPES, manifest
from bot.clock import ManualClock
from bot.kudos.tables import Kudos
from bot.learning.tables import Learning
from tests.slack.conftest import SlackRig, payload


async def kudos(rig: SlackRig) -> list[tuple[str, str, str | None]]:
    async with rig.app.sessions() as session:
        rows = await session.scalars(select(Kudos).order_by(Kudos.id))
        return [(row.source, row.reaction or "", row.reason) for row in rows]


async def eventually(check: Any, within: float = 5.0) -> None:
    """Poll until `check()` holds (the work runs after the ack), for at most `within` seconds."""
    for _ in range(int(within / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached in time")


async def save_from_message(rig: SlackRig) -> int:
    """Anna (U111) saves Bo's message as a learning with the shortcut and the modal, as a member would."""
    shortcut = payload("message_shortcut")
    shortcut["response_url"] = rig.api.response_url("s1")
    await rig.interact(shortcut)
    [opened] = await rig.api.wait_for("views.open")
    view = opened["view"]
    [field] = view["blocks"]
    submission = payload("view_submission")
    submission["view"].update(
        private_metadata=view["private_metadata"],
        state={"values": {field["block_id"]: {field["element"]["action_id"]: {"value": "Flags ship dark #deploy"}}}},
    )
    await rig.interact(submission)
    await rig.api.wait_for("chat.postEphemeral")
    async with rig.app.sessions() as session:
        learning = await session.scalar(select(Learning))
        assert learning is not None
        assert learning.source_url == "https://example.slack.com/archives/C111/p1700000050000050"
        return learning.id


def reaction(name: str, who: str, event_id: str, kind: str = "reaction_added") -> dict[str, Any]:
    event = payload("reaction_added", event_id=event_id)
    event["event"] = {**event["event"], "type": kind, "reaction": name, "user": who}
    return event


async def test_a_clap_on_the_saved_message_is_kudos_once_even_when_slack_retries(slack: SlackRig) -> None:
    slack.api.domain = "example"
    await save_from_message(slack)
    first = await slack.event(reaction("clap", "U333", "Ev1"))
    retry = await slack.event(reaction("clap", "U333", "Ev1"), {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "x"})
    assert first.status == retry.status == 200
    await eventually(lambda: _count(slack, 1))
    await slack.event(reaction("thumbsup", "U444", "Ev2"))  # not in KUDOS_REACTIONS
    await slack.event(reaction("tada", "U111", "Ev3"))  # the author's own: not kudos
    await slack.event(reaction("tada", "U333", "Ev4"))  # a second reaction of the same colleague: still one
    await slack.event(reaction("raised_hands", "U444", "Ev5"))
    await eventually(lambda: _count(slack, 2))
    await asyncio.sleep(0.2)  # let the ignored ones finish too
    assert await kudos(slack) == [("reaction", "clap", None), ("reaction", "raised_hands", None)]
    assert [call["message_ts"] for call in slack.api.of("chat.getPermalink")] == ["1700000050.000050"] * 4
    # Taking the reaction back takes the kudos back.
    await slack.event(reaction("raised_hands", "U444", "Ev6", "reaction_removed"))
    await eventually(lambda: _count(slack, 1))
    # Reactions get no reply in the channel.
    assert not [call for call in slack.api.of("chat.postMessage") if "kudos" in json.dumps(call).lower()]


async def _count(rig: SlackRig, expected: int) -> bool:
    return len(await kudos(rig)) == expected


async def test_kudos_command_and_button_over_slack_escape_what_members_type(slack: SlackRig) -> None:
    learning_id = await save_from_message(slack)
    # As Slack sends it: typed markup escaped, a special mention as <!channel>.
    typed = "kudos <@U222|bo> for the &lt;b&gt;fix&lt;/b&gt; &amp; more <!channel>"
    await slack.command("/learnbot", typed, user_id="U333")
    [posted] = await slack.api.wait_for("chat.postMessage")
    rendered = json.dumps(posted)
    assert "gives kudos to bo for the &lt;b&gt;fix&lt;/b&gt; &amp; more @channel" in rendered
    assert "<!channel>" not in rendered and "<b>" not in rendered
    # Cy finds the learning and presses its kudos button.
    await slack.command("/learnbot", "learnings #deploy", user_id="U333")
    [found] = await slack.api.wait_for("response_url:r1")
    button = next(
        element
        for block in found["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("kudos.learning")
    )
    press = payload("block_actions_message")
    press.update(
        user={"id": "U333", "username": "cy", "name": "cy", "team_id": "T1"},
        response_url=slack.api.response_url("k"),
        actions=[{"action_id": button["action_id"], "value": button["value"], "type": "button", "block_id": "b"}],
    )
    await slack.interact(press)
    await slack.api.wait_for("response_url:k")
    assert button["value"] == str(learning_id)
    assert await kudos(slack) == [("command", "", "the <b>fix</b> & more @channel"), ("button", "", None)]


def test_the_manifest_subscribes_to_reactions_with_their_scope() -> None:
    generated = manifest("https://learnbot.example.com", [])
    events = generated["settings"]["event_subscriptions"]["bot_events"]
    assert {"reaction_added", "reaction_removed"} <= set(events) == set(BOT_EVENTS)
    assert "reactions:read" in generated["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)


async def test_the_digest_posts_in_the_channel_with_its_chart_through_the_external_upload(
    slack: SlackRig, clock: ManualClock
) -> None:
    slack.api.users["U111"] = {"is_admin": True}  # a workspace admin manages the team
    await slack.command("/learnbot", "digest on fri 14:00")
    [turned_on] = await slack.api.wait_for("chat.postMessage")
    assert "Fridays at 14:00" in turned_on["text"]
    clock.set(datetime(2026, 11, 27, 13, 0, tzinfo=UTC))  # Friday 14:00 in Copenhagen
    await slack.app.conversations.tick()
    posts = await slack.api.wait_for("chat.postMessage", 2)
    assert posts[1]["channel"] == "C111" and "The week's learning story – 2026-11-27" in posts[1]["text"]
    [ticket] = await slack.api.wait_for("files.getUploadURLExternal")
    [shared] = await slack.api.wait_for("files.completeUploadExternal")
    assert ticket["filename"] == "digest-2026-11-27.png" and shared["channel_id"] == "C111"
    [uploaded] = [content for content in slack.api.uploads.values() if content]
    assert uploaded.startswith(b"\x89PNG")
