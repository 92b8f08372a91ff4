"""Long messages are split at the adapter's declared limit, in one place, for replies and proactive sends."""

from __future__ import annotations

from adapters.app import App
from bot.commands.spec import Args
from bot.model import Button, Buttons, ConversationKind, ConversationRef, Header, OutboundMessage, Text
from bot.ports import Capabilities
from bot.splitting import fit, split_text
from bot.turn import Turn
from tests.support import RecordingAdapter, add_test_command, say

PARAGRAPH = "Small steps help. " * 10  # 180 characters


def test_text_breaks_at_paragraphs_then_words_and_loses_nothing() -> None:
    text = "\n\n".join([PARAGRAPH.strip()] * 3)
    pieces = split_text(text, 200)
    assert [len(piece) <= 200 for piece in pieces] == [True, True, True]
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())
    assert split_text("x" * 250, 100) == ["x" * 100, "x" * 100, "x" * 50]


def test_buttons_stay_with_the_last_part_and_a_replacement_with_the_first() -> None:
    message = OutboundMessage(
        "t", (Header("Title"), Text(PARAGRAPH * 2), Buttons((Button("Undo", "undo"),))), replace_source=True
    )
    parts = fit(message, 100)
    assert len(parts) > 2 and all(sum(len(b.text) for b in p.blocks if isinstance(b, Text)) <= 100 for p in parts)
    assert isinstance(parts[-1].blocks[-1], Buttons) and not any(
        isinstance(b, Buttons) for p in parts[:-1] for b in p.blocks
    )
    assert [part.replace_source for part in parts] == [True] + [False] * (len(parts) - 1)
    assert fit(OutboundMessage.plain("short"), 100) == [OutboundMessage.plain("short")]


async def test_replies_and_proactive_sends_are_split_for_the_adapter(app: App) -> None:
    adapter = RecordingAdapter(capabilities=Capabilities(max_text_length=100))
    app.notifier.register(adapter)

    async def long(turn: Turn, args: Args) -> list[OutboundMessage]:
        return [OutboundMessage.plain(PARAGRAPH * 2)]

    add_test_command(app.bot, "long", long)
    replies = await say(app.bot, "long")
    assert len(replies) == 4 and all(len(reply.text) <= 100 for reply in replies)
    room = ConversationRef("test", "T1", "C-room", ConversationKind.CHANNEL)
    first = await app.notifier.send(room, OutboundMessage.plain(PARAGRAPH * 2))
    assert len(adapter.sent) == 4 and first.id == "m1"
