"""Bot Framework activities (as the JSON Teams posts) into neutral inbound events. Pure: no I/O.

We read the raw JSON rather than botbuilder's `Activity` because botbuilder drops what we need (it maps
`conversation.tenantId` to None; the tenant is in `channelData.tenant.id`).
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass, field
from typing import Any

from bot.model import (
    MEETING_ENDED_ACTION,
    ConversationKind,
    ConversationRef,
    FormValue,
    InboundAction,
    InboundMessage,
    JsonObject,
    Mention,
    Profile,
    SentRef,
    UserRef,
)

PLATFORM = "teams"
# The key our cards put in every Action.Submit / Action.Execute `data`; Teams merges the inputs beside it.
DATA_KEY = "learnbot"
_KINDS = {"personal": ConversationKind.DIRECT, "channel": ConversationKind.CHANNEL, "groupChat": ConversationKind.GROUP}
_TAGS = re.compile(r"<[^>]+>")


class BadActivity(ValueError):
    """The JSON is not an activity we can act on; the endpoint answers 400 with this message."""


@dataclass(frozen=True)
class CardSubmission:
    """A card's button or form, with what the adapter needs to update the card afterwards."""

    action: InboundAction
    title: str | None = None
    labels: dict[str, str] = field(default_factory=dict)


def _object(value: Any, where: str) -> JsonObject:
    if not isinstance(value, dict):
        raise BadActivity(f"`{where}` must be an object")
    return value


def _string(container: JsonObject, key: str, where: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise BadActivity(f"`{where}` must be a non-empty string")
    return value


def check_activity(raw: Any) -> JsonObject:
    """The activity if it has what every turn needs (type, serviceUrl, conversation.id), else BadActivity."""
    activity = _object(raw, "activity")
    _string(activity, "type", "type")
    _string(activity, "serviceUrl", "serviceUrl")
    _string(_object(activity.get("conversation"), "conversation"), "id", "conversation.id")
    return activity


def tenant_id(activity: JsonObject) -> str:
    """Teams' tenant: channelData.tenant.id, else conversation.tenantId; "default" outside Teams (Emulator)."""
    channel_data = activity.get("channelData") or {}
    tenant = (channel_data.get("tenant") or {}).get("id") if isinstance(channel_data, dict) else None
    if not tenant:
        tenant = (activity.get("conversation") or {}).get("tenantId")
    return str(tenant) if tenant else "default"


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """A channel thread's id is `<channel>;messageid=<root>`: the channel, and the thread root if any."""
    base, _, rest = conversation_id.partition(";messageid=")
    return base, (rest or None)


def conversation_kind(activity: JsonObject) -> ConversationKind:
    conversation = activity.get("conversation") or {}
    kind = _KINDS.get(str(conversation.get("conversationType") or ""))
    if kind is None:  # older payloads and the Emulator: isGroup tells channel from 1:1
        kind = ConversationKind.CHANNEL if conversation.get("isGroup") else ConversationKind.DIRECT
    return kind


def reference(activity: JsonObject) -> JsonObject:
    """The ConversationReference (Bot Framework JSON) that reaches this activity's conversation later.

    Channel thread suffixes are dropped, so a proactive message starts a new post in the channel.
    """
    conversation = _object(activity.get("conversation"), "conversation")
    base, _ = split_conversation_id(str(conversation.get("id")))
    kind = conversation_kind(activity)
    stored: JsonObject = {
        "channelId": activity.get("channelId") or "msteams",
        "serviceUrl": activity.get("serviceUrl"),
        "conversation": {
            "id": base,
            "conversationType": conversation.get("conversationType"),
            "isGroup": kind is not ConversationKind.DIRECT,
            "tenantId": tenant_id(activity),
        },
    }
    if isinstance(activity.get("recipient"), dict):
        stored["bot"] = {key: activity["recipient"][key] for key in ("id", "name") if key in activity["recipient"]}
    if kind is ConversationKind.DIRECT and isinstance(activity.get("from"), dict):
        stored["user"] = {key: activity["from"][key] for key in ("id", "name") if key in activity["from"]}
    return stored


def conversation_ref(activity: JsonObject) -> ConversationRef:
    conversation = _object(activity.get("conversation"), "conversation")
    base, _ = split_conversation_id(str(conversation.get("id")))
    channel = ((activity.get("channelData") or {}).get("channel") or {}) if conversation.get("id") else {}
    name = conversation.get("name") or (channel.get("name") if isinstance(channel, dict) else None)
    return ConversationRef(
        PLATFORM, tenant_id(activity), base, conversation_kind(activity), name=name, raw=reference(activity)
    )


def sender(activity: JsonObject) -> UserRef:
    person = _object(activity.get("from"), "from")
    return UserRef(PLATFORM, tenant_id(activity), _string(person, "id", "from.id"), person.get("name"))


def profile(activity: JsonObject) -> Profile:
    """Locale from the activity (or clientInfo), time zone from the clientInfo entity."""
    client_info = next(
        (e for e in activity.get("entities") or [] if isinstance(e, dict) and e.get("type") == "clientInfo"), {}
    )
    person = activity.get("from") or {}
    return Profile(
        display_name=person.get("name") if isinstance(person, dict) else None,
        locale=activity.get("locale") or client_info.get("locale"),
        timezone=client_info.get("timezone"),
    )


def _bot_mentions(activity: JsonObject) -> list[str]:
    bot_id = (activity.get("recipient") or {}).get("id")
    texts: list[str] = []
    for entity in activity.get("entities") or []:
        if not isinstance(entity, dict) or entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned") or {}
        if bot_id and mentioned.get("id") == bot_id and isinstance(entity.get("text"), str):
            texts.append(entity["text"])
    return texts


def _member_mentions(activity: JsonObject) -> list[tuple[str, UserRef]]:
    """Mentions of people other than the bot: the `<at>…</at>` text and who it stands for."""
    bot_id = (activity.get("recipient") or {}).get("id")
    found: list[tuple[str, UserRef]] = []
    for entity in activity.get("entities") or []:
        if not isinstance(entity, dict) or entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned")
        text = entity.get("text")
        if not isinstance(mentioned, dict) or not isinstance(text, str) or not text:
            continue
        person = mentioned.get("id")
        if not isinstance(person, str) or not person or person == bot_id:
            continue
        name = mentioned.get("name") if isinstance(mentioned.get("name"), str) else None
        found.append((text, UserRef(PLATFORM, tenant_id(activity), person, name)))
    return found


def read_message(activity: JsonObject) -> tuple[str, bool, tuple[Mention, ...]]:
    """The plain text, whether the bot was mentioned, and the members mentioned (`<at>Bo</at>` reads `@Bo`)."""
    text = str(activity.get("text") or "")
    bot_mentions = _bot_mentions(activity)
    for mention in bot_mentions:
        text = text.replace(mention, " ")
    mentions: list[Mention] = []
    for markup, person in _member_mentions(activity):
        shown = "@" + " ".join(html.unescape(_TAGS.sub("", markup)).split())
        if markup in text:
            text = text.replace(markup, shown, 1)
            mentions.append(Mention(person, shown))
    # Teams sends channel messages as HTML-ish text (<p>, &nbsp;); the grammar wants plain words.
    text = html.unescape(_TAGS.sub(" ", text)).replace("\xa0", " ")
    return " ".join(text.split()), bool(bot_mentions), tuple(mentions)


def inbound_message(activity: JsonObject) -> InboundMessage:
    """A typed message: a command in 1:1 chat, or in a channel/group after the bot's @mention."""
    where = conversation_ref(activity)
    _, thread = split_conversation_id(str(activity["conversation"]["id"]))
    text, mentioned, mentions = read_message(activity)
    return InboundMessage(
        user=sender(activity),
        conversation=where,
        text=text,
        thread_id=thread or activity.get("replyToId"),
        profile=profile(activity),
        addressed=where.kind is ConversationKind.DIRECT or mentioned,
        id=activity.get("id"),
        mentions=mentions,
    )


def _form_value(value: Any, toggle: bool) -> FormValue:
    if toggle:
        return str(value).lower() == "true"
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _submission(activity: JsonObject, data: JsonObject, fallback_action: str | None) -> CardSubmission:
    ours = data.get(DATA_KEY)
    if not isinstance(ours, dict):
        if not fallback_action:
            raise BadActivity("card data has no learnbot action")
        ours = {"action": fallback_action}
    action_id = ours.get("action")
    if not isinstance(action_id, str) or not action_id:
        raise BadActivity("card data has no learnbot action")
    toggles = set(ours.get("toggles") or [])
    form = {key: _form_value(value, key in toggles) for key, value in data.items() if key != DATA_KEY}
    where = conversation_ref(activity)
    reply_to = activity.get("replyToId")
    labels = ours.get("labels")
    labels = labels if isinstance(labels, dict) else {}
    action = InboundAction(
        user=sender(activity),
        conversation=where,
        action_id=action_id,
        value=str(ours.get("value") or ""),
        form=form,
        source=SentRef(where, str(reply_to)) if reply_to else None,
        profile=profile(activity),
    )
    title = ours.get("title")
    return CardSubmission(action, str(title) if title else None, {str(k): str(v) for k, v in labels.items()})


def is_card_submit(activity: JsonObject) -> bool:
    return activity.get("type") == "message" and isinstance(activity.get("value"), dict)


def card_submit(activity: JsonObject) -> CardSubmission:
    """Action.Submit: a message whose `value` holds our data and the card's inputs."""
    return _submission(activity, _object(activity.get("value"), "value"), None)


def card_execute(activity: JsonObject) -> CardSubmission:
    """Action.Execute: an `adaptiveCard/action` invoke; `value.action.verb` names the action."""
    action = _object(_object(activity.get("value"), "value").get("action"), "value.action")
    data = action.get("data")
    data = data if isinstance(data, dict) else {}
    verb = action.get("verb")
    return _submission(activity, data, verb if isinstance(verb, str) else None)


def members_added(activity: JsonObject) -> list[JsonObject]:
    return [m for m in activity.get("membersAdded") or [] if isinstance(m, dict) and m.get("id")]


def members_removed(activity: JsonObject) -> list[JsonObject]:
    return [m for m in activity.get("membersRemoved") or [] if isinstance(m, dict) and m.get("id")]


def is_bot(activity: JsonObject, account: JsonObject) -> bool:
    return account.get("id") == (activity.get("recipient") or {}).get("id")


def team_id(activity: JsonObject) -> str | None:
    team = (activity.get("channelData") or {}).get("team") or {}
    return str(team["id"]) if isinstance(team, dict) and team.get("id") else None


def account_ref(activity: JsonObject, account: JsonObject) -> UserRef:
    return UserRef(PLATFORM, tenant_id(activity), str(account["id"]), account.get("name"))


# --- the message action ("…" on a message → Save as learning) ---------------------------------------------

MEETING_END = "application/vnd.microsoft.meetingEnd"


def is_meeting_end(activity: JsonObject) -> bool:
    return activity.get("type") == "event" and activity.get("name") == MEETING_END


def meeting_end(activity: JsonObject) -> InboundAction:
    """`meetingEnd` (sent when someone joined a meeting of the conversation): from its organiser, titled."""
    value = activity.get("value")
    title = value.get("Title") if isinstance(value, dict) else None
    return InboundAction(sender(activity), conversation_ref(activity), MEETING_ENDED_ACTION, str(title or "")[:200])


FETCH_TASK = "composeExtension/fetchTask"
SUBMIT_ACTION = "composeExtension/submitAction"
# The command id in the app package's composeExtensions (adapters/teams/package.py).
SAVE_COMMAND = "saveAsLearning"
COMPOSE_ACTION = "learning.compose"


def _message_payload(value: JsonObject) -> JsonObject:
    payload = value.get("messagePayload")
    return payload if isinstance(payload, dict) else {}


def _payload_text(payload: JsonObject) -> str:
    body = payload.get("body")
    body = body if isinstance(body, dict) else {}
    content = str(body.get("content") or "")
    if str(body.get("contentType") or "html").lower() == "html":
        # Paragraphs and line breaks become new lines; other markup goes.
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = html.unescape(_TAGS.sub("", content)).replace("\xa0", " ")
    return "\n".join(line.strip() for line in content.strip().splitlines() if line.strip())


def _payload_link(payload: JsonObject) -> str | None:
    link = payload.get("linkToMessage")
    return link if isinstance(link, str) and link.startswith("https://") else None


def message_action_fetch(activity: JsonObject) -> InboundAction:
    """`composeExtension/fetchTask` of our command: the core's compose form, prefilled with the message."""
    value = _object(activity.get("value"), "value")
    if value.get("commandId") != SAVE_COMMAND:
        raise BadActivity(f"unknown message action {value.get('commandId')!r}")
    payload = _message_payload(value)
    return InboundAction(
        user=sender(activity),
        conversation=conversation_ref(activity),
        action_id=COMPOSE_ACTION,
        value=_payload_text(payload),
        profile=profile(activity),
        link=_payload_link(payload),
        answered_in_private=True,  # the reply is the dialog's content
    )


def message_action_submit(activity: JsonObject) -> CardSubmission:
    """`composeExtension/submitAction`: the task module's card was submitted; its data is in `value.data`."""
    value = _object(activity.get("value"), "value")
    if value.get("commandId") != SAVE_COMMAND:
        raise BadActivity(f"unknown message action {value.get('commandId')!r}")
    data = value.get("data")
    submission = _submission(activity, data if isinstance(data, dict) else {}, None)
    # The answer is shown in the dialog, to this member alone.
    return dataclasses.replace(submission, action=dataclasses.replace(submission.action, answered_in_private=True))
