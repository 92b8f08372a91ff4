"""Slack end to end over HTTP on 127.0.0.1: signed requests into `learnbot serve`, Web API calls to a fake."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from bot.db.models import Member
from bot.learning.tables import Learning
from tests.slack.conftest import SlackRig, payload, sign


async def learnings(rig: SlackRig) -> list[str]:
    async with rig.app.sessions() as session:
        return list(await session.scalars(select(Learning.text).order_by(Learning.id)))


async def test_learned_slash_command_stores_and_confirms_ephemerally(slack: SlackRig) -> None:
    response = await slack.command("/learned", "Git bisect finds the bad commit fast #git")
    assert response.status == 200
    [reply] = await slack.api.wait_for("response_url:r1")
    assert reply["response_type"] == "ephemeral"
    assert "#git" in reply["text"]
    assert await learnings(slack) == ["Git bisect finds the bad commit fast #git"]


async def test_learnbot_learnings_lists_my_entries(slack: SlackRig) -> None:
    await slack.command("/learned", "first thing")
    await slack.api.wait_for("response_url:r1")
    await slack.command("/learnbot", "learnings")
    _, listing = await slack.api.wait_for("response_url:r1", 2)
    assert listing["response_type"] == "ephemeral"
    assert any("first thing" in json.dumps(block) for block in listing["blocks"])


async def test_first_contact_reads_the_profile_and_workspace_admins_become_admins(slack: SlackRig) -> None:
    slack.api.users["U111"] = {"locale": "da-DK", "tz": "Europe/Copenhagen", "is_admin": True}
    await slack.command("/learned", "noget nyt")
    [reply] = await slack.api.wait_for("response_url:r1")
    [info] = slack.api.of("users.info")
    assert info["include_locale"] == "true"
    async with slack.app.sessions() as session:
        member = (await session.scalars(select(Member))).one()
    assert (member.language, member.role, member.role_source) == ("da", "admin", "platform")
    assert "Gemt" in reply["text"] or "gemt" in reply["text"]


async def test_payload_in_command_text_is_not_mistaken_for_interactivity(slack: SlackRig) -> None:
    # Bolt 1.30 alone would parse this form as an interactivity payload and answer 404.
    response = await slack.command("/learned", "the payload limit is 40k")
    assert response.status == 200
    await slack.api.wait_for("response_url:r1")
    assert await learnings(slack) == ["the payload limit is 40k"]


async def test_bad_or_stale_signatures_get_401_and_store_nothing(slack: SlackRig) -> None:
    body = "command=%2Flearned&text=forged&team_id=T1&user_id=U111&channel_id=C111"
    forged = sign(body, secret="not-the-secret")
    stale = sign(body, timestamp=int(time.time()) - 600)
    for headers in (forged, stale, {}):
        response = await slack.client.post(
            "/slack/events",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        assert response.status == 401
    assert await learnings(slack) == []
    assert slack.api.calls == []


async def test_mention_and_dm_reach_the_grammar(slack: SlackRig) -> None:
    assert (await slack.event(payload("app_mention"))).status == 200
    assert (await slack.event(payload("message_im"))).status == 200
    await slack.api.wait_for("chat.postEphemeral", 2)
    assert sorted(await learnings(slack)) == ["DMs reach the same grammar", "mentions work too #slack"]


async def test_retried_event_is_stored_once(slack: SlackRig) -> None:
    event = payload("message_im")
    await slack.event(event)
    retry = await slack.event(event, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status == 200
    await slack.api.wait_for("chat.postEphemeral")
    await slack.event(payload("app_mention"))  # a later, different event is still processed
    await slack.api.wait_for("chat.postEphemeral", 2)
    assert sorted(await learnings(slack)) == ["DMs reach the same grammar", "mentions work too #slack"]


async def test_app_home_is_published_with_recent_learnings(slack: SlackRig) -> None:
    await slack.command("/learned", "home shows this")
    await slack.api.wait_for("response_url:r1")
    assert (await slack.event(payload("app_home_opened"))).status == 200
    [publish] = await slack.api.wait_for("views.publish")
    assert publish["user_id"] == "U111"
    assert publish["view"]["type"] == "home"
    rendered = json.dumps(publish["view"])
    assert "home shows this" in rendered and "learning.compose" in rendered


async def test_log_button_opens_a_modal_whose_submission_is_stored(slack: SlackRig) -> None:
    assert (await slack.interact(payload("block_actions_home"))).status == 200
    [opened] = await slack.api.wait_for("views.open")
    assert opened["trigger_id"] == payload("block_actions_home")["trigger_id"]
    view = opened["view"]
    [field] = view["blocks"]
    submission = payload("view_submission")
    submission["view"].update(
        private_metadata=view["private_metadata"],
        state={
            "values": {
                field["block_id"]: {
                    field["element"]["action_id"]: {"type": "plain_text_input", "value": "Modals work #slack"}
                }
            }
        },
    )
    response = await slack.interact(submission)
    assert response.status == 200
    await slack.api.wait_for("chat.postEphemeral")
    assert await learnings(slack) == ["Modals work #slack"]
    # Pressed in App Home: the answer goes to the member's DM, and the home is refreshed.
    assert slack.api.of("chat.postEphemeral")[0]["channel"] == "D111"


async def test_save_as_learning_shortcut_prefills_the_modal(slack: SlackRig) -> None:
    shortcut = payload("message_shortcut")
    shortcut["response_url"] = slack.api.response_url("s1")
    await slack.interact(shortcut)
    [opened] = await slack.api.wait_for("views.open")
    element = opened["view"]["blocks"][0]["element"]
    assert element["initial_value"] == "Feature flags let us ship dark & test in prod #deploy"


async def test_undo_replaces_the_ephemeral_confirmation(slack: SlackRig) -> None:
    await slack.command("/learned", "oops")
    [reply] = await slack.api.wait_for("response_url:r1")
    undo = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    press = payload("block_actions_message")
    press.update(
        container={"type": "message", "message_ts": "1700000000.000009", "channel_id": "C111", "is_ephemeral": True},
        response_url=slack.api.response_url("u1"),
        actions=[{"action_id": undo["action_id"], "value": undo["value"], "type": "button", "block_id": "b"}],
    )
    await slack.interact(press)
    [replaced] = await slack.api.wait_for("response_url:u1")
    assert replaced["replace_original"] is True
    assert await learnings(slack) == []


async def test_rate_limited_reply_is_retried_after_retry_after(slack: SlackRig) -> None:
    slack.api.fail("chat.postEphemeral", "ratelimited", status=429)
    await slack.event(payload("message_im"))
    await slack.api.wait_for("chat.postEphemeral", 2, within=10)
    async with slack.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Learning)) == 1


async def test_unreadable_interactivity_payload_gets_400_and_stores_nothing(slack: SlackRig) -> None:
    response = await slack.post("payload=%7Bnot+json", "application/x-www-form-urlencoded")
    assert response.status == 400
    assert "payload" in await response.text()
    assert await learnings(slack) == []
    assert slack.api.calls == []
