"""The ports between the core and the chat platforms.

`ChatAdapter` is what every platform adapter implements (structural typing, no base class). `Notifier` is the
core's single way to send proactively: it routes a message to the adapter of the conversation's platform.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.model import (
    Block,
    ConversationRef,
    InboundAction,
    InboundMessage,
    OutboundFile,
    OutboundMessage,
    Profile,
    RosterEntry,
    SentRef,
    UserRef,
)
from bot.splitting import fit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capabilities:
    buttons: bool = True
    forms: bool = True
    edits: bool = True
    private_replies: bool = True
    max_text_length: int = 40_000
    # The platform has no roles of its own (the terminal): the first member of a team becomes its admin.
    first_member_is_admin: bool = False


class DeliveryError(Exception):
    """A send failed. `permanent` failures (channel gone, bot removed) must not be retried."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


RateScope = Literal["tenant", "conversation"]


class RateLimited(DeliveryError):
    """The platform asked us to wait `retry_after` seconds before trying again.

    `scope` says what the limit covers, as the adapter knows from its platform: the whole workspace or tenant
    (the default), or only the conversation sent to. Senders pause that scope and nothing else."""

    def __init__(self, retry_after: float, reason: str = "rate limited", *, scope: RateScope = "tenant") -> None:
        super().__init__(reason, permanent=False)
        self.retry_after = retry_after
        self.scope: RateScope = scope


class InboundHandler(Protocol):
    """The one port adapters reach the core through: messages, actions, home pages, rosters and platform event
    ids in; replies out. Adapters never open the core's database sessions or call its services directly."""

    async def handle_message(self, message: InboundMessage) -> list[OutboundMessage]: ...

    async def handle_action(self, action: InboundAction) -> list[OutboundMessage]: ...

    async def handle_home(self, user: UserRef, where: ConversationRef) -> tuple[Block, ...]: ...

    async def first_sight(self, platform: str, event_id: str) -> bool:
        """Whether this platform event is new (a platform's retry of it is not)."""
        ...

    async def roster_joined(self, conversation: ConversationRef, entries: Sequence[RosterEntry]) -> None: ...

    async def roster_left(self, conversation: ConversationRef, users: Sequence[UserRef]) -> None: ...

    async def removed_from(self, conversation: ConversationRef) -> None:
        """The bot was removed from `conversation`."""
        ...

    async def profile_changed(self, user: UserRef, profile: Profile) -> None:
        """The platform says `user`'s profile changed (name, time zone, admin status)."""
        ...

    async def welcome(self, user: UserRef, where: ConversationRef, profile: Profile | None) -> OutboundMessage:
        """The greeting when the bot is added to `where` by (or with) `user`."""
        ...

    async def reach(self, user: UserRef) -> ConversationRef:
        """The member's 1:1 conversation, opened through the adapter when none is stored."""
        ...


class ChatAdapter(Protocol):
    platform: str
    capabilities: Capabilities

    async def stop(self) -> None: ...

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef: ...

    async def update(self, sent: SentRef, message: OutboundMessage) -> None: ...

    async def open_direct(self, user: UserRef) -> ConversationRef: ...

    async def send_file(self, conversation: ConversationRef, file: OutboundFile) -> SentRef:
        """Post a file into `conversation` (Slack: external upload; Teams: an attachment; terminal: a path)."""
        ...

    async def fetch_profile(self, user: UserRef) -> Profile | None: ...


class Notifier:
    """Proactive sends, routed by platform. Raises DeliveryError / RateLimited for the caller to schedule retries."""

    def __init__(self, adapters: dict[str, ChatAdapter] | None = None) -> None:
        self._adapters: dict[str, ChatAdapter] = dict(adapters or {})

    def register(self, adapter: ChatAdapter) -> None:
        self._adapters[adapter.platform] = adapter

    def adapter_for(self, platform: str) -> ChatAdapter:
        try:
            return self._adapters[platform]
        except KeyError:
            raise DeliveryError(f"no adapter for platform {platform!r}", permanent=True) from None

    def has(self, platform: str) -> bool:
        return platform in self._adapters

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        """Send `message`, split at the adapter's declared length limit; returns the first part's reference
        (the one holding the text a reply answers)."""
        adapter = self.adapter_for(conversation.platform)
        parts = fit(message, adapter.capabilities.max_text_length)
        first = await adapter.send(conversation, parts[0])
        for part in parts[1:]:
            await adapter.send(conversation, part)
        for file in message.files:
            try:
                await adapter.send_file(conversation, file)
            except DeliveryError as error:
                # The message is out: failing the send now would post it again on retry. The file is extra.
                log.warning("could not attach %s to a message in %s: %s", file.name, conversation.id, error.reason)
        return first

    def fit(self, platform: str, replies: list[OutboundMessage]) -> list[OutboundMessage]:
        """Replies split at the platform adapter's declared length limit (unchanged without an adapter)."""
        if not self.has(platform):
            return replies
        limit = self.adapter_for(platform).capabilities.max_text_length
        return [part for reply in replies for part in fit(reply, limit)]

    async def update(self, sent: SentRef, message: OutboundMessage) -> None:
        await self.adapter_for(sent.conversation.platform).update(sent, message)

    async def open_direct(self, user: UserRef) -> ConversationRef:
        return await self.adapter_for(user.platform).open_direct(user)

    async def send_file(self, conversation: ConversationRef, file: OutboundFile) -> SentRef:
        return await self.adapter_for(conversation.platform).send_file(conversation, file)

    async def fetch_profile(self, user: UserRef) -> Profile | None:
        if not self.has(user.platform):
            return None
        return await self.adapter_for(user.platform).fetch_profile(user)
