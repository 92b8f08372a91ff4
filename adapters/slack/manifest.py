"""The Slack app manifest: `learnbot slack-manifest --url https://bot.example.com` prints it as JSON for
"Create New App → From an app manifest". adapters/slack/manifest.yml is the same manifest, commented."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from adapters.slack.translate import MAIN_COMMAND

if TYPE_CHECKING:
    from bot.commands.book import CommandBook
    from bot.core import LearnBot

# Least scopes, each for something learnbot does (same comments in manifest.yml).
BOT_SCOPES: dict[str, str] = {
    "commands": "the /learnbot and /learned slash commands and the Save as learning shortcut",
    "chat:write": "answer, post prompts and update messages after a button press",
    "app_mentions:read": "@learnbot <command> in channels the bot is in",
    "im:history": "plain messages to the bot in its Messages tab",
    "im:write": "open a DM with a member for nudges (conversations.open)",
    "channels:history": "thread replies to a prompt in public channels count as answers",
    "groups:history": "the same in private channels the bot was invited to",
    "users:read": "display name, time zone, locale and admin flag (users.info, user_change)",
    "channels:read": "a public channel's members for DM nudges (conversations.members, member_joined_channel)",
    "groups:read": "the same in private channels the bot was invited to",
    "files:write": "send a member their data export (export me) as a file in their DM, and the digest's chart",
    "reactions:read": "a reaction from KUDOS_REACTIONS on a learning's message counts as kudos",
}
BOT_EVENTS = (
    "app_home_opened",
    "app_mention",
    "message.im",
    "message.channels",
    "message.groups",
    "member_joined_channel",
    "member_left_channel",
    "user_change",
    "reaction_added",
    "reaction_removed",
)
MAIN_DESCRIPTION = "learnbot: every command (help lists them)"
# (command, description, usage hint)
SlashCommand = tuple[str, str, str]


def slash_commands(book: CommandBook) -> list[str]:
    """The slash commands learnbot answers: `/learnbot` and one per spec that asks for its own."""
    return [MAIN_COMMAND, *(f"/{spec.key}" for spec in book.commands if spec.slash)]


def declared_commands(bot: LearnBot) -> list[SlashCommand]:
    """The manifest's slash commands, described from the specs in English (a manifest has one language)."""
    t = bot.catalog.translator("en")
    declared: list[SlashCommand] = [(MAIN_COMMAND, MAIN_DESCRIPTION, "help")]
    for spec in bot.commands.commands:
        if spec.slash:
            hint = bot.help.usage(t, spec).removeprefix(bot.help.path(t, spec)).strip()
            declared.append((f"/{spec.key}", t(f"commands.{spec.key}.summary").capitalize(), hint))
    return declared


def manifest(base_url: str, commands: Sequence[SlashCommand]) -> dict[str, Any]:
    """The manifest for a learnbot served at `base_url` (HTTP mode; Socket Mode ignores the URLs)."""
    base = base_url.rstrip("/")
    events = f"{base}/slack/events"
    return {
        "display_information": {
            "name": "learnbot",
            "description": "Turns learning into a daily team habit",
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "learnbot", "always_online": True},
            "slash_commands": [
                # should_escape: Slack then sends mentions as <@U…|name>, so `role grant @Bo` keeps Bo's id.
                {"command": name, "url": events, "description": text[:100], "usage_hint": hint, "should_escape": True}
                for name, text, hint in commands
            ],
            "shortcuts": [
                {
                    "name": "Save as learning",
                    "type": "message",
                    "callback_id": "save_as_learning",
                    "description": "Save this message to your learning log",
                }
            ],
        },
        "oauth_config": {
            "redirect_urls": [f"{base}/slack/oauth_redirect"],
            "scopes": {"bot": list(BOT_SCOPES)},
        },
        "settings": {
            "event_subscriptions": {"request_url": events, "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": events},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


def manifest_json(base_url: str, commands: Sequence[SlashCommand]) -> str:
    return json.dumps(manifest(base_url, commands), indent=2, ensure_ascii=False)
