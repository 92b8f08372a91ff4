"""Neutral outbound messages as Bot Framework message activities with Adaptive Cards (version 1.5). Pure.

Teams renders cards up to 1.5 and a message up to about 28 KB; a longer message is split into several cards.
Buttons and forms become `Action.Submit` whose `data` carries our action id under `learnbot`, so both
Action.Submit messages and Action.Execute invokes translate back to the same neutral action.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping

from adapters.teams.translate import DATA_KEY
from bot.model import (
    Block,
    Buttons,
    Context,
    Divider,
    Fields,
    Form,
    Header,
    Input,
    JsonObject,
    OutboundMessage,
    Text,
)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams refuses messages over about 28 KB; keep a margin for the activity envelope.
MAX_CARD_BYTES = 24_000
_BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}


def escape(text: str) -> str:
    """Plain text for fields Teams parses (TextBlock and FactSet markdown, the notification summary): `<at>…</at>`
    and other tags become literal text, entities show as typed. Card markdown decodes entities like CommonMark."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_block(text: str, **style: object) -> JsonObject:
    return {"type": "TextBlock", "text": escape(text), "wrap": True, **style}


def _fact(title: str, value: str) -> JsonObject:
    return {"title": escape(title), "value": escape(value)}


def _input(field: Input) -> JsonObject:
    common: JsonObject = {"id": field.id, "label": field.label, "isRequired": not field.optional}
    if not field.optional:
        common["errorMessage"] = field.label
    match field.kind:
        case "text" | "multiline":
            element: JsonObject = {"type": "Input.Text", **common, "isMultiline": field.kind == "multiline"}
            if field.max_length:
                element["maxLength"] = field.max_length
            if field.placeholder:
                element["placeholder"] = field.placeholder
            if isinstance(field.initial, str):
                element["value"] = field.initial
            return element
        case "select":
            element = {
                "type": "Input.ChoiceSet",
                **common,
                "style": "compact",
                "choices": [{"title": option.label, "value": option.value} for option in field.options],
            }
            if isinstance(field.initial, str):
                element["value"] = field.initial
            if field.placeholder:
                element["placeholder"] = field.placeholder
            return element
        case "checkbox":
            # A toggle always has a value, so it is never "required".
            return {
                "type": "Input.Toggle",
                "id": field.id,
                "title": field.label,
                "value": "true" if field.initial is True else "false",
                "valueOn": "true",
                "valueOff": "false",
            }
    raise AssertionError(field.kind)  # pragma: no cover


def action_data(action_id: str, value: str, **extra: object) -> JsonObject:
    """The `data` of a submit action: our routing under one key, beside which Teams merges the inputs."""
    return {DATA_KEY: {"action": action_id, "value": value, **extra}}


def _form(form: Form) -> list[JsonObject]:
    data = action_data(
        form.action_id,
        form.value,
        title=form.title,
        labels={field.id: field.label for field in form.inputs},
        toggles=[field.id for field in form.inputs if field.kind == "checkbox"],
    )
    return [
        _text_block(form.title, weight="Bolder"),
        *(_input(field) for field in form.inputs),
        {
            "type": "ActionSet",
            "actions": [{"type": "Action.Submit", "title": form.submit_label, "data": data, "style": "positive"}],
        },
    ]


def _buttons(buttons: Buttons) -> JsonObject:
    actions: list[JsonObject] = []
    for button in buttons.buttons:
        action: JsonObject = {
            "type": "Action.Submit",
            "title": button.label,
            "data": action_data(button.action_id, button.value),
        }
        if button.style:
            action["style"] = _BUTTON_STYLES[button.style]
        actions.append(action)
    return {"type": "ActionSet", "actions": actions}


def render_blocks(blocks: Iterable[Block]) -> list[JsonObject]:
    """Card body elements for the blocks, in order."""
    body: list[JsonObject] = []
    separate = False
    for block in blocks:
        elements: list[JsonObject]
        match block:
            case Header(text=text):
                elements = [_text_block(text, size="Medium", weight="Bolder", style="heading")]
            case Text(text=text):
                elements = [_text_block(text)]
            case Context(text=text):
                elements = [_text_block(text, isSubtle=True, size="Small")]
            case Fields(pairs=pairs):
                elements = [{"type": "FactSet", "facts": [_fact(k, v) for k, v in pairs]}]
            case Buttons():
                elements = [_buttons(block)]
            case Form():
                elements = _form(block)
            case Divider():
                separate = True
                continue
        if separate and elements:
            elements[0]["separator"] = True
            separate = False
        body.extend(elements)
    return body


def card(body: list[JsonObject]) -> JsonObject:
    return {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}


def _size(body: list[JsonObject]) -> int:
    return len(json.dumps(card(body), ensure_ascii=False).encode())


def _chunks(body: list[JsonObject]) -> list[list[JsonObject]]:
    """Split card elements into cards under the size limit; a single oversized text is cut."""
    chunks: list[list[JsonObject]] = [[]]
    for element in body:
        if _size([element]) > MAX_CARD_BYTES and element.get("type") == "TextBlock":
            element = {**element, "text": element["text"][: MAX_CARD_BYTES // 4 - 1] + "…"}
        if chunks[-1] and _size([*chunks[-1], element]) > MAX_CARD_BYTES:
            chunks.append([])
        chunks[-1].append(element)
    return chunks


def card_attachment(content: JsonObject) -> JsonObject:
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def render(message: OutboundMessage) -> list[JsonObject]:
    """The message as one or more Bot Framework message activities (JSON), each with an Adaptive Card.

    `summary` carries the plain-text fallback Teams shows in notifications.
    """
    blocks = message.blocks or (Text(message.text),)
    activities: list[JsonObject] = []
    for body in _chunks(render_blocks(blocks)):
        activities.append(
            {
                "type": "message",
                "summary": escape(message.text[:500]),
                "attachments": [card_attachment(card(body))],
            }
        )
    return activities


# Pictures Teams shows inline in a card; other files travel otherwise (see TeamsAdapter.send_file).
INLINE_IMAGE_TYPES = ("image/png",)


def image_activity(title: str, media_type: str, content: bytes) -> JsonObject | None:
    """A picture (a chart) inline in an Adaptive Card: its title and an Image with a data: URI. None when the
    card would be too large for Teams."""
    data = base64.b64encode(content).decode()
    body: list[JsonObject] = [
        {"type": "TextBlock", "text": escape(title), "wrap": True, "weight": "Bolder"},
        {"type": "Image", "url": f"data:{media_type};base64,{data}", "altText": escape(title), "size": "Stretch"},
    ]
    if _size(body) > MAX_CARD_BYTES:
        return None
    return {"type": "message", "summary": escape(title[:500]), "attachments": [card_attachment(card(body))]}


def render_submission(
    title: str | None, labels: Mapping[str, str], form: Mapping[str, object], thanks: str
) -> JsonObject:
    """The card that replaces a submitted form: its title, the answers as read-only facts, and thanks."""
    body: list[JsonObject] = []
    if title:
        body.append(_text_block(title, weight="Bolder"))
    facts = []
    for key, value in form.items():
        shown = value if isinstance(value, str) else ("✓" if value is True else "–" if value is False else "")
        facts.append(_fact(labels.get(key, key), str(shown) or "–"))
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    body.append(_text_block(thanks, isSubtle=True, size="Small"))
    return card(body)


# Teams caps a task module's title; longer ones are cut by Teams itself, less gracefully.
MAX_TASK_TITLE = 64


def task_module(message: OutboundMessage) -> JsonObject:
    """The invoke body opening a dialog (task module) with `message` as its card: the answer to a message
    action's `composeExtension/fetchTask`."""
    form = next((block for block in message.blocks if isinstance(block, Form)), None)
    title = form.title if form is not None else message.text
    body = render_blocks(message.blocks or (Text(message.text),))
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": title[:MAX_TASK_TITLE],
                "height": "medium",
                "width": "medium",
                "card": card_attachment(card(body)),
            },
        }
    }


def task_message(text: str) -> JsonObject:
    """The invoke body that shows `text` in the dialog instead of a card (a confirmation, or why not)."""
    return {"task": {"type": "message", "value": text}}
