"""Member text is escaped in every field a platform renders: nothing the bot sends pages anyone.

`reflect <!channel>` is the issue's example: the blocks were escaped, the notification `text` was not.
"""

from __future__ import annotations

import html
import json

import pytest

from adapters.slack import render as slack_render
from adapters.teams import cards as teams_cards
from bot.model import (
    Button,
    Buttons,
    Context,
    Fields,
    Form,
    Header,
    Input,
    OutboundMessage,
    Text,
)
from bot.model import Option as Choice
from tests.hostile.support import drained, rendered_broadcasts
from tests.slack.conftest import SlackRig, payload
from tests.teams.conftest import Rig, until

HOSTILE = "<!channel> <!here> <!everyone> <!subteam^S0614TZR7|@devs> <@U999|boss> <at>Bo Berg</at> &lt;!here&gt;"


def _everything(text: str) -> OutboundMessage:
    """A message that carries `text` in every kind of block and field the model has."""
    form = Form(
        "x.submit",
        text,
        text,
        (
            Input("a", text, "multiline", initial=text, placeholder=text),
            Input("b", text, "select", options=(Choice("v", text),), placeholder=text),
            Input("c", text, "checkbox"),
        ),
        value=text,
    )
    blocks = (
        Header(text),
        Text(text),
        Context(text),
        Fields(((text, text),)),
        Buttons((Button(text, "x.press", text),)),
        form,
    )
    return OutboundMessage(text=text, blocks=blocks)


def test_slack_renders_member_text_escaped_in_every_field() -> None:
    message = _everything(HOSTILE)
    rendered = [
        slack_render.message(message),
        slack_render.message(message, form_opener="f1"),
        slack_render.modal(message.forms()[0], "C1", "1.2"),
        slack_render.home(message.blocks),
    ]
    for payload_ in rendered:
        assert rendered_broadcasts(payload_, "slack") == [], json.dumps(payload_)[:500]
    # Escaped, not mangled: Slack shows exactly what the member wrote.
    assert html.unescape(rendered[0]["text"]) == HOSTILE
    assert html.unescape(rendered[0]["blocks"][1]["text"]["text"]) == HOSTILE


@pytest.mark.parametrize("limit", [1, 2, 5, 24, 150])
def test_slack_escaping_never_exceeds_a_limit_or_cuts_an_entity(limit: int) -> None:
    text = "<&>" * 100
    escaped = slack_render.escaped(text, limit)
    assert len(escaped) <= limit
    assert "<" not in escaped and ">" not in escaped
    assert html.unescape(escaped.rstrip("…")) == text[: len(html.unescape(escaped.rstrip("…")))]


def test_teams_renders_member_text_escaped_in_every_field() -> None:
    message = _everything(HOSTILE)
    activities = teams_cards.render(message)
    for activity in activities:
        assert rendered_broadcasts(activity, "teams") == [], json.dumps(activity)[:500]
    card = activities[0]["attachments"][0]["content"]
    assert html.unescape(card["body"][1]["text"]) == HOSTILE
    assert html.unescape(activities[0]["summary"]) == HOSTILE[:500]
    submitted = teams_cards.render_submission(HOSTILE, {"a": HOSTILE}, {"a": HOSTILE}, "thanks")
    assert rendered_broadcasts(submitted, "teams") == []


async def test_reflect_channel_in_a_slack_channel_pages_no_one(slack: SlackRig) -> None:
    """`/learnbot reflect <!channel>` in a channel, then answering it: every call the bot makes is clean."""
    response = await slack.command("/learnbot", f"reflect {HOSTILE}", channel_id="C111", channel_name="general")
    assert response.status == 200
    await drained(slack)
    assert slack.api.calls, "the bot answered nothing"
    prompt = next(call.args for call in slack.api.calls if "blocks" in call.args)
    [button] = [block["elements"][0] for block in prompt["blocks"] if block["type"] == "actions"]
    # The member presses "Answer": the modal's title and question carry the topic too.
    press = payload("block_actions_message")
    press["actions"][0].update(action_id=button["action_id"], value=button["value"])
    await slack.interact(press)
    await slack.api.wait_for("views.open")
    await slack.command("/learned", HOSTILE)
    await slack.command("/learnbot", "learnings")
    await drained(slack)
    for call in slack.api.calls:
        assert rendered_broadcasts(call.args, "slack") == [], (call.method, json.dumps(call.args)[:800])
    assert "channel" in html.unescape(json.dumps([call.args for call in slack.api.calls]))  # the topic was shown


async def test_reflect_channel_in_a_teams_channel_mentions_no_one(rig: Rig) -> None:
    activity = rig.activity("channel_mention")
    activity["text"] = activity["text"] + f" reflect {HOSTILE}"
    response = await rig.post(activity)
    assert response.status in (200, 201), await response.text()
    await until(lambda: bool(rig.connector.sends))
    learned = rig.activity("personal_message", text=f"learned {HOSTILE}")
    assert (await rig.post(learned)).status in (200, 201)
    for call in rig.connector.calls:
        assert rendered_broadcasts(call.body, "teams") == [], json.dumps(call.body)[:800]
        assert "entities" not in json.dumps(call.body)  # no mention entity, so no mention at all
