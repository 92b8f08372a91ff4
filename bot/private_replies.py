"""Private replies where a platform has none: to the member's 1:1 chat, with a short note where they asked."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.catalog import Catalog
from bot.membership import Membership
from bot.model import ConversationKind, ConversationRef, OutboundMessage, UserRef
from bot.ports import DeliveryError, Notifier

log = logging.getLogger(__name__)


class PrivateReplies:
    def __init__(self, notifier: Notifier, membership: Membership, catalog: Catalog, default_language: str) -> None:
        self._notifier = notifier
        self._membership = membership
        self._catalog = catalog
        self._default_language = default_language

    async def route(
        self, user: UserRef, where: ConversationRef, replies: list[OutboundMessage]
    ) -> list[OutboundMessage]:
        """Where a platform cannot show a reply to one member only (a Teams channel), private replies go to the
        member's 1:1 chat instead, and the channel hears only that they did. Returns what stays where asked."""
        if where.kind is ConversationKind.DIRECT or not self._notifier.has(where.platform):
            return replies
        if self._notifier.adapter_for(where.platform).capabilities.private_replies:
            return replies
        private = [reply for reply in replies if reply.private and not reply.replace_source]
        if not private:
            return replies
        t = self._catalog.translator(private[0].language or self._default_language)
        try:
            direct = await self._membership.reach(user)
            for reply in private:
                await self._notifier.send(direct, reply)
            key = "replies.sent_privately"
        except DeliveryError as error:
            log.warning("could not answer %s privately: %s", user.id, error.reason)
            key = "replies.not_reached_privately"
        note = replace(OutboundMessage.plain(t(key, name=user.name or "")), language=t.language)
        return [reply for reply in replies if reply not in private] + [note]
