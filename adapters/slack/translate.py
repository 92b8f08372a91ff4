"""Slack payloads -> neutral inbound events. Pure functions: no I/O, no Bolt objects, just dicts in."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.model import (
    REACTION_ADDED_ACTION,
    REACTION_REMOVED_ACTION,
    ConversationKind,
    ConversationRef,
    FormValue,
    InboundAction,
    InboundMessage,
    Mention,
    Profile,
    SentRef,
    UserRef,
)

PLATFORM = "slack"
# `/learnbot` takes every command; any other slash command (declared by a command spec, e.g. `/learned`) stands
# for the command word it is named after.
MAIN_COMMAND = "/learnbot"
SAVE_SHORTCUT = "save_as_learning"
# The core's action that opens the "log a learning" form, prefilled with its value.
COMPOSE_ACTION = "learning.compose"
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
# Other markup Slack puts in text: channels, special mentions, links, user groups.
_MARKUP = re.compile(r"<([#!]?)([^>|]*)(?:\|([^>]*))?>")

JsonObject = dict[str, Any]


def _kind(channel_id: str, channel_type: str | None = None) -> ConversationKind:
    if channel_type == "im" or channel_id.startswith("D"):
        return ConversationKind.DIRECT
    if channel_type == "mpim":
        return ConversationKind.GROUP
    return ConversationKind.CHANNEL


def conversation(
    team_id: str, channel_id: str, channel_type: str | None = None, name: str | None = None
) -> ConversationRef:
    return ConversationRef(PLATFORM, team_id, channel_id, _kind(channel_id, channel_type), name=name)


def user(team_id: str, user_id: str, name: str | None = None) -> UserRef:
    return UserRef(PLATFORM, team_id, user_id, name)


def profile(info: JsonObject) -> Profile:
    """A Slack user object (users.info, user_change) -> what the core keeps of it; workspace admins and owners
    are learnbot admins, and a fresh user object states the roles (so a demotion on Slack demotes here too)."""
    names = info.get("profile") or {}
    return Profile(
        display_name=names.get("display_name") or names.get("real_name") or info.get("real_name") or info.get("name"),
        locale=info.get("locale"),
        timezone=info.get("tz"),
        is_admin=bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner")),
        states_roles=bool(info),
    )


def unescape(text: str) -> str:
    """Slack escapes &, < and > in message text; the core wants what the member typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slash_command(body: JsonObject) -> InboundMessage:
    """`/learnbot learnings git`, `/learned …` -> the same commands as a typed message."""
    team = str(body.get("team_id", ""))
    command = str(body.get("command", ""))
    prefix = "" if command == MAIN_COMMAND else command.lstrip("/") + " "
    text, _, mentions = read_text(str(body.get("text", "")), team, None)
    channel_name = body.get("channel_name")
    channel_type = "im" if channel_name == "directmessage" else None
    return InboundMessage(
        user=user(team, str(body.get("user_id", "")), body.get("user_name")),
        conversation=conversation(team, str(body.get("channel_id", "")), channel_type, channel_name),
        text=(prefix + text).strip(),
        mentions=mentions,
    )


def read_text(text: str, team: str, bot_user_id: str | None) -> tuple[str, bool, tuple[Mention, ...]]:
    """Slack's escaped text -> what the member typed: member mentions become `@name` (and `Mention`s), the
    bot's own mention is removed, channels read `#name`, links their URL. Returns (text, bot mentioned, mentions).
    Slash commands pass no `bot_user_id`: there every mention is of a member."""
    mentioned = False
    mentions: list[Mention] = []

    def member(match: re.Match[str]) -> str:
        nonlocal mentioned
        if bot_user_id is not None and match.group(1) == bot_user_id:
            mentioned = True
            return ""
        name = match.group(2) or match.group(1)
        mentions.append(Mention(user(team, match.group(1), match.group(2) or None), f"@{name}"))
        return f"@{name}"

    def other(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil == "#":
            return f"#{label or target}"
        if sigil == "!":
            return f"@{(label or target).split('^')[0]}"  # <!here>, <!subteam^S1|team>: text, never a page
        return label if label and not target.startswith(("http://", "https://", "mailto:")) else target

    text = _MARKUP.sub(other, _MENTION.sub(member, text))
    return unescape(text).strip(), mentioned, tuple(mentions)


def event_message(envelope: JsonObject, bot_user_id: str | None) -> InboundMessage | None:
    """A `message` or `app_mention` event -> InboundMessage, or None for what the bot must not answer
    (its own or other bots' messages, edits, joins, channel chatter that is not a thread reply)."""
    event = envelope.get("event") or {}
    kind = event.get("type")
    if kind not in ("message", "app_mention"):
        return None
    if event.get("bot_id") or event.get("subtype") or not event.get("user") or event.get("user") == bot_user_id:
        return None
    team = str(event.get("team") or envelope.get("team_id") or "")
    channel_id = str(event.get("channel", ""))
    channel_type = event.get("channel_type")
    team_for_mentions = str(event.get("team") or envelope.get("team_id") or "")
    text, mentioned, mentions = read_text(str(event.get("text", "")), team_for_mentions, bot_user_id)
    thread_ts = event.get("thread_ts")
    thread_id = str(thread_ts) if thread_ts and thread_ts != event.get("ts") else None
    if kind == "app_mention" or channel_type == "im":
        addressed = True
    elif mentioned:
        # A mention in a channel also arrives as app_mention; answering both would reply twice.
        return None
    elif thread_id is not None:
        addressed = False  # overheard thread reply: may answer a prompt, never parsed as a command
    else:
        return None
    return InboundMessage(
        user=user(team, str(event["user"])),
        conversation=conversation(team, channel_id, channel_type),
        text=text,
        thread_id=thread_id,
        addressed=addressed,
        id=str(event.get("ts")) if event.get("ts") else None,
        mentions=mentions,
    )


def _team(body: JsonObject) -> str:
    team = body.get("team") or {}
    if isinstance(team, str):
        return team
    return str(team.get("id") or body.get("team_id") or (body.get("user") or {}).get("team_id") or "")


def _source(body: JsonObject, team: str, where: ConversationRef) -> SentRef | None:
    container = body.get("container") or {}
    message = body.get("message") or {}
    ts = container.get("message_ts") or message.get("ts")
    if not ts:
        return None
    return SentRef(where, str(ts), message.get("thread_ts"))


def block_action(body: JsonObject, direct: ConversationRef | None = None) -> InboundAction:
    """A button press. Presses in App Home or a modal have no channel: the caller passes the member's DM."""
    team = _team(body)
    who = body.get("user") or {}
    channel = body.get("channel") or {}
    action = (body.get("actions") or [{}])[0]
    if channel.get("id"):
        where = conversation(team, str(channel["id"]), None, channel.get("name"))
    else:
        where = direct or conversation(team, "")
    return InboundAction(
        user=user(team, str(who.get("id", "")), who.get("username") or who.get("name")),
        conversation=where,
        action_id=str(action.get("action_id", "")),
        value=str(action.get("value") or (action.get("selected_option") or {}).get("value") or ""),
        source=_source(body, team, where),
    )


def form_values(state: JsonObject) -> dict[str, FormValue]:
    """`view.state.values[block_id][action_id]` -> {input id: value}. Our block ids are the input ids."""
    values: dict[str, FormValue] = {}
    for block_id, actions in (state.get("values") or {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind == "checkboxes":
                values[block_id] = bool(element.get("selected_options"))
            elif kind == "static_select":
                values[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind == "multi_static_select":
                values[block_id] = [
                    str(option["value"]) for option in element.get("selected_options") or [] if option.get("value")
                ]
            else:
                values[block_id] = element.get("value")
    return values


def view_submission(body: JsonObject, direct: ConversationRef | None = None) -> InboundAction:
    """A submitted modal -> the form's action. `private_metadata` holds what `render.modal` put there."""
    team = _team(body)
    who = body.get("user") or {}
    view = body.get("view") or {}
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    if not isinstance(meta, dict):  # metadata is ours, but the payload is only as trustworthy as its signer
        meta = {}
    channel = str(meta.get("c") or "")
    where = conversation(team, channel) if channel else direct or conversation(team, "")
    source = SentRef(where, str(meta["s"])) if meta.get("s") else None
    return InboundAction(
        user=user(team, str(who.get("id", "")), who.get("username") or who.get("name")),
        conversation=where,
        action_id=str(meta.get("a") or view.get("callback_id") or ""),
        value=str(meta.get("v") or ""),
        form=form_values(view.get("state") or {}),
        source=source,
    )


def message_shortcut(body: JsonObject) -> InboundAction:
    """ "Save as learning" on a message: the core's compose form, prefilled with the message's text."""
    team = _team(body)
    who = body.get("user") or {}
    channel = body.get("channel") or {}
    message = body.get("message") or {}
    where = conversation(team, str(channel.get("id", "")), None, channel.get("name"))
    text = unescape(str(message.get("text", ""))).strip()
    return InboundAction(
        user=user(team, str(who.get("id", "")), who.get("username") or who.get("name")),
        conversation=where,
        action_id=COMPOSE_ACTION,
        value=text,
        source=SentRef(where, str(message["ts"])) if message.get("ts") else None,
        link=permalink(body),
    )


def permalink(body: JsonObject) -> str | None:
    """The message's permalink, as Slack builds it (https://<domain>.slack.com/archives/<channel>/p<ts>)."""
    domain = str((body.get("team") or {}).get("domain") or "")
    channel = str((body.get("channel") or {}).get("id") or "")
    ts = str((body.get("message") or {}).get("ts") or body.get("message_ts") or "")
    if not (
        re.fullmatch(r"[a-z0-9-]+", domain) and re.fullmatch(r"[A-Z0-9]+", channel) and re.fullmatch(r"\d+\.\d+", ts)
    ):
        return None
    return f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def reacted_message(body: JsonObject) -> tuple[str, str, str] | None:
    """A `reaction_added` / `reaction_removed` event on a message -> (team, channel, message ts); None for
    reactions on files or anything malformed."""
    event = body.get("event") or {}
    item = event.get("item") or {}
    team = str(body.get("team_id") or "")
    channel, ts = str(item.get("channel") or ""), str(item.get("ts") or "")
    if item.get("type") != "message" or not re.fullmatch(r"[A-Z0-9]+", channel) or not re.fullmatch(r"\d+\.\d+", ts):
        return None
    if not event.get("user") or not event.get("reaction"):
        return None
    return team, channel, ts


def reaction(body: JsonObject, link: str | None) -> InboundAction | None:
    """A reaction event -> the core's reaction action from the member who reacted; `link` is the message's
    permalink (without its query), which is how a learning saved from that message names it."""
    found = reacted_message(body)
    if found is None:
        return None
    team, channel, ts = found
    event = body.get("event") or {}
    where = conversation(team, channel)
    added = event.get("type") == "reaction_added"
    return InboundAction(
        user=user(team, str(event["user"])),
        conversation=where,
        action_id=REACTION_ADDED_ACTION if added else REACTION_REMOVED_ACTION,
        value=str(event["reaction"])[:64],
        source=SentRef(where, ts),
        link=link,
    )
