"""Helpers for the kudos, `my stats` and digest tests: a team in one channel, and mentions as platforms send them."""

from __future__ import annotations

from adapters.app import App
from bot.model import Mention, OutboundMessage
from bot.ports import Capabilities
from tests.support import ROOM, RecordingAdapter, say, user

TEAM = ("anna", "bo", "cy", "dan", "eva", "finn")


def mention(name: str) -> Mention:
    return Mention(user(name), f"@{name.capitalize()}")


async def command(app: App, text: str, who: str = "anna", *mentioned: str, **extra: object) -> list[OutboundMessage]:
    return await say(app.bot, text, who, mentions=tuple(mention(name) for name in mentioned), **extra)


async def team_in_room(app: App) -> RecordingAdapter:
    """Six colleagues who all spoke in the room (so the room knows them); Anna, the first, is the team's admin."""
    adapter = RecordingAdapter(capabilities=Capabilities(first_member_is_admin=True))
    app.notifier.register(adapter)
    for name in TEAM:
        await say(app.bot, "help", name)
    adapter.sent.clear()
    return adapter


__all__ = ["ROOM", "TEAM", "command", "mention", "team_in_room"]
