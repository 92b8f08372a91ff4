"""Slack's pure pieces (translate, render, manifest, settings check) and the adapter's error mapping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.views import View

from adapters.app import App, build_app
from adapters.slack import render, translate
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.platform import check
from adapters.slack.tokens import FixedToken
from adapters.slack.transport import SlackAdapter
from adapters.web import HalfConfigured
from bot.model import Button, Buttons, Context, Fields, Form, Header, Input, Option, OutboundMessage, Text
from bot.ports import DeliveryError, RateLimited
from bot.settings import Settings
from tests.slack.conftest import payload
from tests.slack.fake_slack import FakeSlack


def test_thread_reply_without_mention_is_overheard_and_with_mention_addressed() -> None:
    overheard = translate.event_message(payload("thread_reply"), "UBOT")
    assert overheard is not None
    assert (overheard.addressed, overheard.thread_id) == (False, "1700000000.000001")
    mentioned = payload("thread_reply")
    mentioned["event"] = {**mentioned["event"], "type": "app_mention", "text": "<@UBOT> learnings"}
    addressed = translate.event_message(mentioned, "UBOT")
    assert addressed is not None and addressed.addressed and addressed.text == "learnings"


def test_channel_chatter_and_bot_messages_are_ignored() -> None:
    chatter = payload("thread_reply")
    chatter["event"] = {k: v for k, v in chatter["event"].items() if k != "thread_ts"}
    assert translate.event_message(chatter, "UBOT") is None
    own = payload("message_im")
    own["event"] = {**own["event"], "bot_id": "BBOT"}
    assert translate.event_message(own, "UBOT") is None


def test_slash_commands_map_to_the_grammar() -> None:
    assert (
        translate.slash_command(payload("slash_command", command="/learned", text="x &amp; y")).text == "learned x & y"
    )
    assert translate.slash_command(payload("slash_command", command="/retro", text="start")).text == "retro start"
    assert translate.slash_command(payload("slash_command", command="/learnbot", text="")).text == ""


def test_everything_rendered_passes_slack_sdk_validation() -> None:
    long_text = ("word " * 2000).strip()  # 10,000 characters: split into sections within 3,000
    reply = OutboundMessage(
        text=long_text,
        blocks=(
            Header("H" * 400),
            Text(long_text),
            Text("<script> & friends"),
            Fields(tuple((f"label {n}", "value") for n in range(14))),
            Buttons((Button("B" * 100, "a.b", "v" * 3000, "primary"), Button("No", "a.c", style="danger"))),
            Context("muted"),
        ),
    )
    body = render.message(reply)
    assert len(body["text"]) <= render.FALLBACK_TEXT
    for block in SlackBlock.parse_all(body["blocks"]):
        block.validate_json()
    sections = [b for b in body["blocks"] if b["type"] == "section" and "text" in b]
    assert len(sections) >= 4 and "&lt;script&gt; &amp; friends" in sections[-1]["text"]["text"]
    many = render.blocks(tuple(Text(str(n)) for n in range(80)))
    assert len(many) == render.MESSAGE_BLOCKS


def test_forms_render_as_valid_modals() -> None:
    form = Form(
        "x.submit",
        "A title far longer than twenty-four characters",
        "Save it now please, thanks",
        (
            Input("text", "What?", kind="multiline", initial="prefilled", placeholder="p" * 300),
            Input("mood", "Mood", kind="select", options=(Option("good", "Good"), Option("bad", "Bad")), initial="bad"),
            Input("share", "Share with the team", kind="checkbox", initial=True),
        ),
        value="ctx",
    )
    view = render.modal(form, "C1", "1.2")
    View(**view).validate_json()
    assert len(view["title"]["text"]) <= render.MODAL_TITLE
    submitted = payload("view_submission")
    submitted["view"].update(
        private_metadata=view["private_metadata"],
        state={
            "values": {
                "text": {"text": {"type": "plain_text_input", "value": "hi"}},
                "mood": {"mood": {"type": "static_select", "selected_option": {"value": "good"}}},
                "share": {"share": {"type": "checkboxes", "selected_options": []}},
            }
        },
    )
    action = translate.view_submission(submitted)
    assert (action.action_id, action.value, action.conversation.id) == ("x.submit", "ctx", "C1")
    assert action.form == {"text": "hi", "mood": "good", "share": False}
    View(**render.home((Header("Home"), Text("t")))).validate_json()


def test_manifest_yml_declares_exactly_the_scopes_the_code_requests() -> None:
    text = (Path(__file__).parents[2] / "adapters" / "slack" / "manifest.yml").read_text()
    bot_scopes = text.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    assert re.findall(r"- ([a-z:._]+)\s+#", bot_scopes) == list(BOT_SCOPES)


def test_half_configured_slack_refuses_to_start(settings: Settings) -> None:
    def state(**values: str) -> object:
        configured = Settings(_env_file=None, database_url=settings.database_url, **values)  # type: ignore[call-arg]
        return check(build_app(configured))

    assert not state().enabled  # type: ignore[attr-defined]
    with pytest.raises(HalfConfigured, match="SLACK_SIGNING_SECRET"):
        state(slack_bot_token="xoxb-1")
    with pytest.raises(HalfConfigured, match="together"):
        state(slack_client_id="1.2", slack_signing_secret="s")


async def test_adapter_maps_429_to_rate_limited_and_dead_channels_to_permanent(fake_slack: FakeSlack, app: App) -> None:
    adapter = SlackAdapter(FixedToken("xoxb-1"), fake_slack.url)
    where = translate.conversation("T1", "C1")
    sent = await adapter.send(where, OutboundMessage.plain("hello"))
    assert sent.id and fake_slack.of("chat.postMessage")[0]["channel"] == "C1"
    fake_slack.fail("chat.postMessage", "ratelimited", status=429)
    with pytest.raises(RateLimited) as limited:
        await adapter.send(where, OutboundMessage.plain("again"))
    assert limited.value.retry_after == 1.0
    fake_slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(DeliveryError) as gone:
        await adapter.send(where, OutboundMessage.plain("again"))
    assert gone.value.permanent and "channel_not_found" in gone.value.reason
    fake_slack.fail("chat.update", "internal_error")
    with pytest.raises(DeliveryError) as flaky:
        await adapter.update(sent, OutboundMessage.plain("edit"))
    assert not flaky.value.permanent
    direct = await adapter.open_direct(translate.user("T1", "U9"))
    assert direct.id == "D9"
