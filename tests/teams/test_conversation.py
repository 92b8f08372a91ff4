"""Commands and card actions over real HTTP: activities posted to /api/messages, replies read off the fake
Bot Connector."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.commands.spec import Args
from bot.db.models import Member
from bot.learning.tables import Learning
from bot.model import Form, InboundAction, Input, OutboundMessage, Text
from bot.turn import Turn
from tests.support import add_test_command
from tests.teams.conftest import TEAM, Rig


async def test_personal_message_runs_a_command_and_replies_in_the_chat(rig: Rig) -> None:
    response = await rig.post(rig.activity("personal_message"))
    assert response.status == 201
    [reply] = rig.connector.sends
    assert reply.conversation == "a:1personal-anna"
    assert reply.activity_id == "1700000000001"  # a reply to the member's message
    assert "Gemt i læringsloggen med #git" in rig.connector.texts()[0]  # locale da-DK from the activity
    async with rig.app.sessions() as session:
        learning = await session.scalar(select(Learning))
        assert learning is not None and learning.text.startswith("Git bisect")
        member = await session.scalar(select(Member))
        assert member is not None
        assert (member.display_name, member.language, member.timezone) == ("Anna Hansen", "da", "Europe/Copenhagen")


async def test_channel_message_strips_the_mention_and_answers_privately_in_a_one_to_one_chat(rig: Rig) -> None:
    # Teams has no replies only one member sees: a private answer (help) goes to the member's 1:1 chat, and the
    # channel thread only hears that it did.
    response = await rig.post(rig.activity("channel_mention"))
    assert response.status == 201
    [created] = rig.connector.created
    assert created["members"][0]["id"] == "29:1bo"
    [reply, note] = rig.connector.sends
    assert reply.conversation != TEAM and "learnbot – what I can do" in rig.connector.texts()[0]
    assert note.conversation == f"{TEAM};messageid=1700000000002"
    assert "Bo Berg, I have answered you in our 1:1 chat." in rig.connector.texts()[1]
    card = reply.body["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["version"] == "1.5"


async def test_channel_message_without_mention_is_not_a_command(rig: Rig) -> None:
    activity = rig.activity("channel_mention", text="learned nothing to see here", entities=[])
    assert (await rig.post(activity)).status == 201
    assert rig.connector.sends == []
    async with rig.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Learning)) == 0


async def test_button_submit_runs_the_action_and_replaces_the_card(rig: Rig) -> None:
    await rig.post(rig.activity("personal_message", locale="en-US"))
    undo = rig.connector.sends[0].body["attachments"][0]["content"]["body"][-1]["actions"][0]
    assert undo["type"] == "Action.Submit"
    submit = rig.activity("card_submit", value=undo["data"], replyToId="activity-1")
    assert (await rig.post(submit)).status == 201
    [update] = rig.connector.updates
    assert update.activity_id == "activity-1"
    assert "Removed from the learning log." in str(update.body)
    async with rig.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Learning)) == 0


def _register_reflection(rig: Rig) -> list[InboundAction]:
    """A feature that asks with a form, to see forms travel both ways (the nudge engine will ask like this)."""
    received: list[InboundAction] = []

    async def ask(turn: Turn, args: Args) -> list[OutboundMessage]:
        form = Form(
            "test_form.answer",
            "Daily reflection",
            "Send",
            (
                Input("learned", "What did you learn?", kind="multiline"),
                Input("mood", "How was it?", kind="select", options=()),
                Input("share", "Share with the team", kind="checkbox", initial=True),
            ),
            value="prompt-7",
        )
        return [OutboundMessage(text="Daily reflection", blocks=(Text("Time to reflect"), form))]

    async def answer(turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        received.append(action)
        return [OutboundMessage.plain(f"Noted: {action.form.get('learned')}")]

    add_test_command(rig.app.bot, "test-form", ask)
    rig.app.bot.action("test_form.answer", answer)
    return received


async def test_form_submission_reaches_the_core_and_the_card_shows_the_answer(rig: Rig) -> None:
    received = _register_reflection(rig)
    await rig.post(rig.activity("personal_message", text="test-form", locale="en-US"))
    card = rig.connector.sends[0].body["attachments"][0]["content"]
    data = card["body"][-1]["actions"][0]["data"]
    value = {**data, "learned": "Pairing helps", "mood": "", "share": "false"}
    assert (await rig.post(rig.activity("card_submit", value=value))).status == 201
    [action] = received
    assert action.action_id == "test_form.answer" and action.value == "prompt-7"
    assert action.form == {"learned": "Pairing helps", "mood": "", "share": False}
    assert action.source is not None and action.source.id == "activity-1"
    [update] = rig.connector.updates
    shown = str(update.body)
    assert "Pairing helps" in shown and "What did you learn?" in shown and "your answer is in" in shown
    assert "Noted: Pairing helps" in rig.connector.texts()[-1]


async def test_action_execute_invoke_answers_200_with_the_updated_card(rig: Rig) -> None:
    received = _register_reflection(rig)
    await rig.post(rig.activity("personal_message", text="test-form", locale="en-US"))
    data = rig.connector.sends[0].body["attachments"][0]["content"]["body"][-1]["actions"][0]["data"]
    invoke = rig.activity("card_execute")
    invoke["value"]["action"] = {
        "type": "Action.Execute",
        "verb": "test_form.answer",
        "data": {**data, "learned": "Retros need actions", "share": "true"},
    }
    response = await rig.post(invoke)
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Retros need actions" in str(body["value"])
    assert received[0].form["share"] is True


async def test_unknown_invoke_is_refused_clearly_not_with_500(rig: Rig) -> None:
    response = await rig.post(rig.activity("card_execute", name="composeExtension/query"))
    assert response.status == 501
    assert "not supported" in (await response.json())["error"]
