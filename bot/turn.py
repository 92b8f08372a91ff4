"""A turn: one inbound message or action, with everything a handler needs to answer it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
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
    # Work to run after the turn's transaction commits (e.g. proactive sends); never before.
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.t.language

    @property
    def is_manager(self) -> bool:
        return self.member.role == "manager"


class UsageError(Exception):
    """A command was given arguments it cannot use. The reply is the catalog text `key` and the command's help."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


CommandHandler = Callable[[Turn, str], Awaitable[list[OutboundMessage]]]
ActionHandler = Callable[[Turn, InboundAction], Awaitable[list[OutboundMessage]]]
# Tried before the grammar: returns replies when the message was an answer it owns, None otherwise.
MessageInterceptor = Callable[[Turn, InboundMessage], Awaitable[list[OutboundMessage] | None]]
