"""A turn: one inbound message or action, with everything a handler needs to answer it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.commands.spec import Role
from bot.db.models import Conversation, Member, Tenant
from bot.model import ConversationRef, InboundAction, InboundMessage, OutboundMessage, UserRef


@dataclass
class Turn:
    session: AsyncSession
    tenant: Tenant
    member: Member
    conversation: Conversation
    user: UserRef
    where: ConversationRef
    t: Translator
    now: datetime
    thread_id: str | None = None
    # Work for after the turn's transaction commits (e.g. waking the engine for a series added in this turn).
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.t.language

    @property
    def role(self) -> Role:
        return Role.of(self.member.role)

    @property
    def is_manager(self) -> bool:
        """Managers and admins."""
        return self.role >= Role.MANAGER


class UsageError(Exception):
    """A command was given arguments it cannot use. The reply is the catalog text `key` and the command's help."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


ActionHandler = Callable[[Turn, InboundAction], Awaitable[list[OutboundMessage]]]
# Tried for text that is no command (and for a command the member chose to send as an answer): returns replies
# when the message was an answer it owns, None otherwise.
MessageInterceptor = Callable[[Turn, InboundMessage], Awaitable[list[OutboundMessage] | None]]
# Whether an interceptor would take this message as an answer: asked before a command runs where a reply is
# awaited, so "Stop doing big-bang releases" is not mistaken for `stop`.
ReplyAwaited = Callable[[Turn, InboundMessage], Awaitable[bool]]
