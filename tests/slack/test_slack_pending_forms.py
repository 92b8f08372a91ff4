"""A form sent as a button (no trigger_id to open it at once) survives a restart and opens on any replica, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.slack.render import OPEN_FORM_ACTION
from bot.clock import ManualClock
from bot.model import Form, InboundMessage, Input, Option, OutboundMessage
from bot.turn import Turn
from tests.slack.conftest import SlackRig, _rig, payload, single_workspace
from tests.slack.fake_slack import FakeSlack

FORM = Form(
    "retro.vote",
    "Vote",
    "Send",
    (
        Input("pick", "Which one?", kind="select", options=(Option("a", "Option A"), Option("b", "Option B"))),
        Input("why", "Why?", kind="multiline", optional=True, max_length=500, initial="because"),
    ),
    value="run-7",
)


def _with_form_feature(rig: SlackRig) -> None:
    """A feature whose reply to a plain DM holds a form (a message event carries no trigger_id)."""

    async def reply(turn: Turn, message: InboundMessage) -> list[OutboundMessage] | None:
        if message.text != "vote please":
            return None
        return [OutboundMessage(text="Vote", blocks=(FORM,))]

    rig.app.bot.intercept(reply)


@pytest.fixture
async def replica(database_url: str, fake_slack: FakeSlack, clock: ManualClock) -> AsyncIterator[SlackRig]:
    """A second `learnbot serve` on the same database and fake Slack: another replica, or the same after a restart."""
    async for rig in _rig(single_workspace(database_url, fake_slack), fake_slack, clock):
        yield rig


def _press(rig: SlackRig, token: str, trigger: str) -> dict[str, Any]:
    body = payload("block_actions_message", trigger_id=trigger, response_url=rig.api.response_url())
    body["actions"] = [{**body["actions"][0], "action_id": OPEN_FORM_ACTION, "value": token}]
    return body


async def test_a_form_button_opens_the_form_after_a_restart_and_only_once(slack: SlackRig, replica: SlackRig) -> None:
    _with_form_feature(slack)
    dm = payload("message_im")
    dm["event"] = {**dm["event"], "text": "vote please"}
    await slack.event(dm)
    [posted] = await slack.api.wait_for("chat.postMessage")
    [button] = [element for block in posted["blocks"] if block["type"] == "actions" for element in block["elements"]]
    assert button["action_id"] == OPEN_FORM_ACTION and len(button["value"]) >= 20  # random, not a counter
    await slack.client.close()  # the first process is gone

    assert (await replica.interact(_press(replica, button["value"], "trigger-1"))).status == 200
    [opened] = await replica.api.wait_for("views.open")
    assert opened["trigger_id"] == "trigger-1"
    view = opened["view"]
    assert view["callback_id"] == "learnbot.form" and view["title"]["text"] == "Vote"
    options = [o["value"] for b in view["blocks"] if "element" in b for o in b["element"].get("options", [])]
    assert options == ["a", "b"]

    # A second press (a double click, or the other replica) finds the form taken: the member is told it expired.
    await replica.interact(_press(replica, button["value"], "trigger-2"))
    [expired] = await replica.api.wait_for("response_url:r1")
    assert "expired" in expired["text"]
    assert len(replica.api.of("views.open")) == 1


async def test_a_spent_trigger_id_sends_the_form_as_a_button_that_opens_on_the_other_replica(
    slack: SlackRig, replica: SlackRig
) -> None:
    """Slack's trigger_id lives three seconds: a turn that waited longer cannot open its modal. The form then goes
    out as a button (kept in the database), and a press on any replica opens it."""
    slack.api.fail("views.open", "expired_trigger_id")
    compose = payload("block_actions_message", response_url=slack.api.response_url())
    compose["actions"] = [{**compose["actions"][0], "action_id": "learning.compose", "value": ""}]
    assert (await slack.interact(compose)).status == 200
    [offered] = await slack.api.wait_for("response_url:r1")
    [button] = [element for block in offered["blocks"] if block["type"] == "actions" for element in block["elements"]]
    assert button["action_id"] == OPEN_FORM_ACTION

    assert (await replica.interact(_press(replica, button["value"], "trigger-fresh"))).status == 200
    opened = await replica.api.wait_for("views.open", 2)
    assert opened[-1]["trigger_id"] == "trigger-fresh"
    assert opened[-1]["view"]["callback_id"] == "learnbot.form"
