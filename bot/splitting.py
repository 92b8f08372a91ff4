"""Long messages split at the adapter's declared limit, in one place (errbot's split_and_send_message).

The core splits its replies and the notifier its proactive sends with `fit`; renderers only shape what fits.
"""

from __future__ import annotations

from dataclasses import replace

from bot.model import Block, Buttons, Context, Fields, Form, Header, OutboundMessage, Text

# Where a long text may break, best first.
_BREAKS = ("\n\n", "\n", ". ", " ")


def _length(block: Block) -> int:
    match block:
        case Header(text=text) | Text(text=text) | Context(text=text):
            return len(text)
        case Fields(pairs=pairs):
            return sum(len(label) + len(value) for label, value in pairs)
    return 0


def split_text(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, broken at paragraphs, lines, sentences or words."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = next((text.rfind(mark, 0, limit) for mark in _BREAKS if text.rfind(mark, 0, limit) > limit // 2), -1)
        cut = cut if cut > 0 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return [piece for piece in pieces if piece]


def fit(message: OutboundMessage, limit: int) -> list[OutboundMessage]:
    """`message` as one or more messages whose text stays within `limit` characters. Buttons and forms stay
    with the last part (they act on the whole), the update of a pressed message with the first."""
    if sum(_length(block) for block in message.blocks) <= limit and len(message.text) <= limit:
        return [message]
    blocks: list[Block] = []
    for block in message.blocks or (Text(message.text),):
        if isinstance(block, Text) and len(block.text) > limit:
            blocks.extend(Text(piece) for piece in split_text(block.text, limit))
        else:
            blocks.append(block)
    parts: list[list[Block]] = [[]]
    size = 0
    for block in blocks:
        length = _length(block)
        if parts[-1] and size + length > limit and not isinstance(block, (Buttons, Form)):
            parts.append([])
            size = 0
        parts[-1].append(block)
        size += length
    messages = []
    for number, part in enumerate(parts):
        first_text = next((b.text for b in part if isinstance(b, (Header, Text, Context))), message.text)
        messages.append(
            replace(
                message,
                text=first_text[:limit],
                blocks=tuple(part),
                replace_source=message.replace_source and number == 0,
            )
        )
    return messages
