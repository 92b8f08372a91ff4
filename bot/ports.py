"""The ports between the core and the chat platforms.

`ChatAdapter` is what every platform adapter implements (structural typing, no base class). `Notifier` is the
core's single way to send proactively: it routes a message to the adapter of the conversation's platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.model import (
    ConversationRef,
    InboundAction,
    InboundMessage,
    OutboundMessage,
    Profile,
    SentRef,
    UserRef,
)


@dataclass(frozen=True)
class Capabilities:
    buttons: bool = True
    forms: bool = True
    edits: bool = True
    private_replies: bool = True
    max_text_length: int = 40_000


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
    """The core as adapters see it: a message or action in, replies out."""

    async def handle_message(self, message: InboundMessage) -> list[OutboundMessage]: ...

    async def handle_action(self, action: InboundAction) -> list[OutboundMessage]: ...


class ChatAdapter(Protocol):
    platform: str
    capabilities: Capabilities

    async def start(self, handler: InboundHandler) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef: ...

    async def update(self, sent: SentRef, message: OutboundMessage) -> None: ...

    async def open_direct(self, user: UserRef) -> ConversationRef: ...

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
        return await self.adapter_for(conversation.platform).send(conversation, message)

    async def update(self, sent: SentRef, message: OutboundMessage) -> None:
        await self.adapter_for(sent.conversation.platform).update(sent, message)

    async def open_direct(self, user: UserRef) -> ConversationRef:
        return await self.adapter_for(user.platform).open_direct(user)

    async def fetch_profile(self, user: UserRef) -> Profile | None:
        if not self.has(user.platform):
            return None
        return await self.adapter_for(user.platform).fetch_profile(user)
