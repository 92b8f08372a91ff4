"""Prompts in Slack: a thread reply to a prompt reaches the core as an answer and is stored.

The nudge engine (a separate issue) owns real prompts; this test registers a minimal prompt feature on the core
through its public registration API, to prove the Slack path end to end: a proactive send through the notifier,
then a thread reply (not addressed to the bot) that the core's interceptor recognises by its thread id.
"""

from __future__ import annotations

from sqlalchemy import select

from adapters.slack import translate
from adapters.slack.platform import BACKLOG_KEY
from bot.learning.tables import Learning
from bot.model import InboundMessage, OutboundMessage
from bot.turn import Turn
from tests.slack.conftest import SlackRig, payload


async def test_thread_reply_to_a_prompt_is_stored(slack: SlackRig) -> None:
    prompts: set[str] = set()

    async def answer(turn: Turn, message: InboundMessage) -> list[OutboundMessage] | None:
        if message.thread_id not in prompts:
            return None
        await slack.app.learning_log.add(
            turn.session,
            tenant_id=turn.tenant.id,
            member_id=turn.member.id,
            conversation_id=turn.conversation.id,
            text=message.text,
            language=turn.language,
            now=turn.now,
        )
        return [OutboundMessage.plain("Saved your answer", private=True)]

    slack.app.bot.intercept(answer)
    sent = await slack.app.notifier.send(
        translate.conversation("T1", "C111"), OutboundMessage.plain("What did you learn?")
    )
    prompts.add(sent.id)

    reply = payload("thread_reply")
    reply["event"] = {**reply["event"], "thread_ts": sent.id}
    assert (await slack.event(reply)).status == 200
    [confirmation] = await slack.api.wait_for("chat.postEphemeral")
    assert confirmation["thread_ts"] == sent.id
    async with slack.app.sessions() as session:
        assert list(await session.scalars(select(Learning.text))) == ["I learned to write the test first"]

    # Chatter in the same thread that is not an answer is never parsed as a command.
    prompts.clear()
    other = payload("thread_reply", event_id="Ev0OTHER")
    other["event"] = {**other["event"], "thread_ts": sent.id, "text": "learned nothing", "ts": "1700000301.0"}
    assert (await slack.event(other)).status == 200
    await slack.client.server.app[BACKLOG_KEY].drain()
    assert len(slack.api.of("chat.postEphemeral")) == 1
    async with slack.app.sessions() as session:
        assert len(list(await session.scalars(select(Learning.text)))) == 1
