"""Test doubles for the adapter port and helpers to talk to the core like a platform would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.commands.spec import CommandSpec, Handler
from bot.core import LearnBot
from bot.model import (
    ConversationKind,
    ConversationRef,
    InboundAction,
    InboundMessage,
    OutboundFile,
    OutboundMessage,
    Profile,
    SentRef,
    UserRef,
)
from bot.ports import Capabilities

PLATFORM = "test"
TENANT = "T1"
ROOM = ConversationRef(PLATFORM, TENANT, "C-room", ConversationKind.CHANNEL, name="team-room")


def user(name: str = "anna") -> UserRef:
    return UserRef(PLATFORM, TENANT, f"U-{name}", name.capitalize())


@dataclass
class RecordingAdapter:
    """An in-memory ChatAdapter that records what the core sent (errbot's TestBackend, botbuilder's TestAdapter)."""

    platform: str = PLATFORM
    capabilities: Capabilities = field(default_factory=Capabilities)
    sent: list[tuple[ConversationRef, OutboundMessage]] = field(default_factory=list)
    updated: list[tuple[SentRef, OutboundMessage]] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)
    files: list[tuple[ConversationRef, OutboundFile]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def stop(self) -> None:
        pass

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        self.sent.append((conversation, message))
        return SentRef(conversation, f"m{next(self._ids)}", message.thread_id)

    async def update(self, sent: SentRef, message: OutboundMessage) -> None:
        self.updated.append((sent, message))

    async def send_file(self, conversation: ConversationRef, file: OutboundFile) -> SentRef:
        self.files.append((conversation, file))
        return SentRef(conversation, f"f{next(self._ids)}")

    async def open_direct(self, user: UserRef) -> ConversationRef:
        return ConversationRef(self.platform, user.tenant, f"D-{user.id}", ConversationKind.DIRECT, name=user.name)

    async def fetch_profile(self, user: UserRef) -> Profile | None:
        return self.profiles.get(user.id)


def add_test_command(bot: LearnBot, word: str, handler: Handler, **options: Any) -> CommandSpec:
    """Register a test-only command `word`, with its catalog texts in English (the fallback of every language)."""
    key = word.replace("-", "_")
    bot.catalog.add(
        "en", {f"commands.{key}.words": [word], f"commands.{key}.summary": word, f"commands.{key}.help": word}
    )
    spec = CommandSpec(key, handler, **options)
    bot.command(spec)
    return spec


async def say(
    bot: LearnBot, text: str, who: str = "anna", where: ConversationRef = ROOM, **extra: object
) -> list[OutboundMessage]:
    return await bot.handle_message(InboundMessage(user(who), where, text, **extra))  # type: ignore[arg-type]


async def press(
    bot: LearnBot, action_id: str, value: str = "", who: str = "anna", where: ConversationRef = ROOM, **extra: object
) -> list[OutboundMessage]:
    return await bot.handle_action(InboundAction(user(who), where, action_id, value, **extra))  # type: ignore[arg-type]


def all_text(messages: list[OutboundMessage]) -> str:
    """Everything a member would read in these messages, for assertions."""
    from bot.model import Buttons, Context, Fields, Form, Header, Text

    parts: list[str] = []
    for message in messages:
        parts.append(message.text)
        for block in message.blocks:
            match block:
                case Header(text=value) | Text(text=value) | Context(text=value):
                    parts.append(value)
                case Fields(pairs=pairs):
                    parts.extend(f"{label}: {value}" for label, value in pairs)
                case Buttons(buttons=buttons):
                    parts.extend(button.label for button in buttons)
                case Form(title=title, inputs=inputs):
                    parts.append(title)
                    parts.extend(field.label for field in inputs)
    return "\n".join(parts)
