"""Neutral messages -> Block Kit. Pure functions. Slack's size limits are applied here and nowhere else."""

from __future__ import annotations

import json
from typing import Any

from bot.model import (
    Block,
    Buttons,
    Context,
    Divider,
    Fields,
    Form,
    Header,
    Input,
    OutboundMessage,
    Text,
)

JsonObject = dict[str, Any]

# Slack's published limits (https://api.slack.com/reference/block-kit).
SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
FIELD_TEXT = 2000
MAX_FIELDS = 10
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
FALLBACK_TEXT = 3000  # the notification text; 40,000 is accepted but only the start is ever shown
MODAL_TITLE = 24
INPUT_LABEL = 2000
PLACEHOLDER = 150
OPTION_TEXT = 75
MAX_OPTIONS = 100
INPUT_TEXT = 3000  # plain_text_input max_length
ELLIPSIS = "…"
TEXT_PIECE = 2800


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def split_text(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """Cut long text into pieces of at most `limit`, preferring line breaks, then spaces."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return pieces


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Plain text into Slack text: only &, < and > are special to Slack's parser (`<!channel>`, `<@U…>`, links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escaped(text: str, limit: int) -> str:
    """`text` escaped and within `limit` characters, never cut inside an entity (`&l…` would show as such)."""
    result = escape(text)
    if len(result) <= limit:
        return result
    pieces: list[str] = []
    used = 0
    for character in text:
        piece = _ENTITIES.get(character, character)
        if used + len(piece) > limit - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces).rstrip() + ELLIPSIS


# Every field below is escaped, plain_text ones too: Slack treats &, < and > as control characters in every text
# object and in the notification `text`, and member text reaches all of them (headers, buttons, modal titles).
def _plain(text: str, limit: int) -> JsonObject:
    return {"type": "plain_text", "text": escaped(text, limit) or " ", "emoji": True}


def _mrkdwn(text: str) -> JsonObject:
    return {"type": "mrkdwn", "text": escaped(text, SECTION_TEXT) or " ", "verbatim": True}


def _button(label: str, action_id: str, value: str, style: str | None) -> JsonObject:
    button: JsonObject = {"type": "button", "text": _plain(label, BUTTON_TEXT), "action_id": action_id[:255]}
    if value:
        button["value"] = value[:BUTTON_VALUE]
    if style:
        button["style"] = style
    return button


def _block(block: Block, form_opener: str | None) -> list[JsonObject]:
    match block:
        case Header(text=text):
            return [{"type": "header", "text": _plain(text, HEADER_TEXT)}]
        case Text(text=text):
            # Split before escaping, with room for entities; the rare text full of <>& is truncated in _mrkdwn.
            return [{"type": "section", "text": _mrkdwn(piece)} for piece in split_text(text, TEXT_PIECE) if piece]
        case Context(text=text):
            return [{"type": "context", "elements": [_mrkdwn(text)]}]
        case Fields(pairs=pairs):
            fields = [
                {
                    "type": "mrkdwn",
                    "text": f"*{escaped(label, FIELD_TEXT // 4)}*\n" + escaped(value, FIELD_TEXT // 4 * 3),
                }
                for label, value in pairs
            ]
            return [
                {"type": "section", "fields": fields[i : i + MAX_FIELDS]} for i in range(0, len(fields), MAX_FIELDS)
            ]
        case Buttons(buttons=buttons):
            elements = [_button(b.label, b.action_id, b.value, b.style) for b in buttons]
            # An actions block holds at most 25 elements; ids must be unique within a message.
            return [{"type": "actions", "elements": elements[i : i + 25]} for i in range(0, len(elements), 25)]
        case Form(title=title):
            # A form in a message is a button that opens it as a modal (a modal needs a fresh trigger_id).
            if form_opener is None:
                return [{"type": "context", "elements": [_mrkdwn(title)]}]
            return [{"type": "actions", "elements": [_button(title, OPEN_FORM_ACTION, form_opener, "primary")]}]
        case Divider():
            return [{"type": "divider"}]
    raise AssertionError(block)  # pragma: no cover


OPEN_FORM_ACTION = "slack.open_form"


def blocks(items: tuple[Block, ...], limit: int = MESSAGE_BLOCKS, form_opener: str | None = None) -> list[JsonObject]:
    """Render blocks and keep within `limit`, saying so when something had to be left out."""
    rendered = [piece for block in items for piece in _block(block, form_opener)]
    if len(rendered) > limit:
        rendered = [*rendered[: limit - 1], {"type": "context", "elements": [_mrkdwn(f"{ELLIPSIS} (shortened)")]}]
    return rendered


def message(reply: OutboundMessage, form_opener: str | None = None) -> JsonObject:
    """Keyword arguments for chat.postMessage / chat.update / chat.postEphemeral."""
    # The fallback `text` is parsed like mrkdwn: unescaped, `<!channel>` in it pages everyone in the channel.
    text = escaped(reply.text, FALLBACK_TEXT)
    return {"text": text, "blocks": blocks(reply.blocks, form_opener=form_opener)}


def _element(field: Input) -> JsonObject:
    match field.kind:
        case "select":
            options = [
                {"text": _plain(option.label, OPTION_TEXT), "value": option.value[:150]}
                for option in field.options[:MAX_OPTIONS]
            ]
            element: JsonObject = {"type": "static_select", "action_id": field.id, "options": options}
            initial = next((o for o in options if o["value"] == field.initial), None)
            if initial:
                element["initial_option"] = initial
        case "checkbox":
            option = {"text": _plain(field.label, OPTION_TEXT), "value": "yes"}
            element = {"type": "checkboxes", "action_id": field.id, "options": [option]}
            if field.initial is True:
                element["initial_options"] = [option]
        case _:
            element = {"type": "plain_text_input", "action_id": field.id, "multiline": field.kind == "multiline"}
            element["max_length"] = min(field.max_length or INPUT_TEXT, INPUT_TEXT)
            if isinstance(field.initial, str) and field.initial:
                element["initial_value"] = truncate(field.initial, element["max_length"])
    if field.placeholder and field.kind != "checkbox":
        element["placeholder"] = _plain(field.placeholder, PLACEHOLDER)
    return element


def modal(form: Form, channel_id: str = "", source_ts: str = "") -> JsonObject:
    """A Form as a modal. The action, its context and where to answer ride in private_metadata (3,000 chars)."""
    meta = {"a": form.action_id, "v": form.value, "c": channel_id, "s": source_ts}
    inputs = [
        {
            "type": "input",
            "block_id": field.id,
            "label": _plain(field.label, INPUT_LABEL),
            "optional": field.optional or field.kind == "checkbox",
            "element": _element(field),
        }
        for field in form.inputs[:VIEW_BLOCKS]
    ]
    return {
        "type": "modal",
        "callback_id": "learnbot.form",
        "title": _plain(form.title, MODAL_TITLE),
        "submit": _plain(form.submit_label, MODAL_TITLE),
        "private_metadata": json.dumps(meta, ensure_ascii=False)[:3000],
        "blocks": inputs,
    }


def home(items: tuple[Block, ...]) -> JsonObject:
    """The App Home tab."""
    return {"type": "home", "blocks": blocks(items, VIEW_BLOCKS)}
