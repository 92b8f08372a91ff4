"""Slack channel rosters and profiles kept in learnbot's membership tables.

A "DM each member" nudge reaches the members recorded for a channel, so they must include those who never wrote:
the whole roster is read (`conversations.members`, paged) when learnbot joins a channel and the first time this
process handles a request in a channel (a channel nudge is added there, or learnbot was in it before this
existed); `member_joined_channel` / `member_left_channel` keep it current, `user_change` refreshes a profile.
"""

from __future__ import annotations

import logging
from typing import Any

from adapters.slack import translate
from adapters.slack.transport import SlackAdapter
from bot.model import ConversationKind, ConversationRef, RosterEntry
from bot.ports import DeliveryError, InboundHandler

log = logging.getLogger(__name__)
JsonObject = dict[str, Any]

PAGE_SIZE = 200  # Slack's recommended page size for conversations.members
_MAX_PAGES = 500  # 100,000 members: a loop guard against a cursor that never ends


class SlackRoster:
    def __init__(self, adapter: SlackAdapter, core: InboundHandler) -> None:
        self._adapter = adapter
        self._core = core
        self._known: set[tuple[str, str]] = set()  # (team, channel) rosters read by this process

    async def read(self, channel: ConversationRef, bot_user_id: str | None) -> int:
        """Record every member of `channel` (but the bot). Returns how many; 0 when Slack refuses."""
        self._known.add((channel.tenant, channel.id))
        members: list[str] = []
        cursor: str | None = None
        try:
            for _ in range(_MAX_PAGES):
                response = await self._adapter.call(
                    channel.tenant,
                    "conversations.members",
                    wait_on_rate_limit=True,
                    channel=channel.id,
                    limit=PAGE_SIZE,
                    cursor=cursor,
                )
                members += [str(member) for member in response.get("members") or []]
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    break
        except DeliveryError as error:
            log.warning("could not read the members of Slack channel %s: %s", channel.id, error.reason)
            return 0
        users = [translate.user(channel.tenant, member) for member in members if member != bot_user_id]
        await self._core.roster_joined(channel, [RosterEntry(user) for user in users])
        recorded = len(users)
        log.info("recorded %d members of Slack channel %s", recorded, channel.id)
        return recorded

    async def read_once(self, channel: ConversationRef, bot_user_id: str | None) -> None:
        """Read the roster of a channel this process has not read yet (DMs have none)."""
        if channel.kind is ConversationKind.DIRECT or (channel.tenant, channel.id) in self._known:
            return
        await self.read(channel, bot_user_id)

    async def on_member_joined(self, body: JsonObject, bot_user_id: str | None) -> None:
        event = body.get("event") or {}
        channel = self._channel(body, event)
        joined = str(event.get("user") or "")
        if joined and joined == bot_user_id:
            await self.read(channel, bot_user_id)
        elif joined:
            await self._core.roster_joined(channel, [RosterEntry(translate.user(channel.tenant, joined))])

    async def on_member_left(self, body: JsonObject, bot_user_id: str | None) -> None:
        event = body.get("event") or {}
        channel = self._channel(body, event)
        left = str(event.get("user") or "")
        if left and left == bot_user_id:
            self._known.discard((channel.tenant, channel.id))
            await self._core.removed_from(channel)
        elif left:
            await self._core.roster_left(channel, [translate.user(channel.tenant, left)])

    async def on_user_change(self, body: JsonObject, bot_user_id: str | None) -> None:
        info = (body.get("event") or {}).get("user") or {}
        if not isinstance(info, dict) or not info.get("id") or info.get("is_bot"):
            return
        team = str(info.get("team_id") or body.get("team_id") or "")
        await self._core.profile_changed(translate.user(team, str(info["id"])), translate.profile(info))

    @staticmethod
    def _channel(body: JsonObject, event: JsonObject) -> ConversationRef:
        team = str(event.get("team") or body.get("team_id") or "")
        return translate.conversation(team, str(event.get("channel") or ""), event.get("channel_type"))
