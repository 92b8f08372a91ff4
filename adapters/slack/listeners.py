"""Bolt listeners: ack at once, then translate, ask the core, and deliver its replies.

Each Bolt listener only acks and queues the real work on the backlog, so Bolt (process_before_response=True)
answers Slack as soon as the listener returns and everything after `ack()` is off Slack's 3-second clock.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck

from adapters.slack import render, translate
from adapters.slack.backlog import Backlog
from adapters.slack.manifest import slash_commands
from adapters.slack.pending_forms import PendingForms
from adapters.slack.replies import Origin, ReplyDelivery
from adapters.slack.roster import SlackRoster
from adapters.slack.transport import SlackAdapter
from bot.commands.book import CommandBook
from bot.model import ConversationKind, ConversationRef, OutboundMessage
from bot.ports import DeliveryError, InboundHandler

log = logging.getLogger(__name__)
JsonObject = dict[str, Any]


class SlackListeners:
    def __init__(
        self,
        bot: InboundHandler,
        commands: CommandBook,
        adapter: SlackAdapter,
        backlog: Backlog,
        forms: PendingForms,
        roster: SlackRoster | None = None,
        reactions: Collection[str] = (),
    ) -> None:
        self._bot = bot
        self._commands = commands
        self._roster = roster
        self._backlog = backlog
        self._adapter = adapter
        self._forms = forms
        self._replies = ReplyDelivery(adapter, self._forms)
        # The reactions the core counts (KUDOS_REACTIONS): others are not worth a permalink lookup.
        self._reactions = frozenset(reactions)

    def register(self, app: AsyncApp) -> None:
        for command in slash_commands(self._commands):
            app.command(command)(self._later(self.on_command))
        app.event("app_mention")(self._later(self.on_message_event))
        app.event("message")(self._later(self.on_message_event))
        app.event("app_home_opened")(self._later(self.on_home_opened))
        app.event("reaction_added")(self._later(self.on_reaction))
        app.event("reaction_removed")(self._later(self.on_reaction))
        app.action(re.compile(".+"))(self._later(self.on_action))
        app.view_submission("learnbot.form")(self._later(self.on_view_submission))
        app.shortcut(translate.SAVE_SHORTCUT)(self._later(self.on_shortcut))
        if self._roster is not None:
            app.event("member_joined_channel")(self._later(self._roster.on_member_joined))
            app.event("member_left_channel")(self._later(self._roster.on_member_left))
            app.event("user_change")(self._later(self._roster.on_user_change))

    def _later(self, handler: Callable[[JsonObject, str | None], Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """A Bolt listener that acks, then queues `handler(body, bot_user_id)` on the backlog."""

        async def listener(ack: AsyncAck, body: JsonObject, context: AsyncBoltContext) -> None:
            await ack()
            bot_user_id = context.bot_user_id
            self._backlog.submit(lambda: handler(body, bot_user_id))

        return listener

    async def on_command(self, body: JsonObject, bot_user_id: str | None = None) -> None:
        message = translate.slash_command(body)
        origin = Origin.of(message.user, message.conversation, body)
        await self._replies.deliver(origin, await self._bot.handle_message(message))
        await self._read_roster_once(message.conversation, bot_user_id)

    async def on_message_event(self, body: JsonObject, bot_user_id: str | None = None) -> None:
        if not await self._first_time(body):
            return
        message = translate.event_message(body, bot_user_id)
        if message is None:
            return
        event = body.get("event") or {}
        # Answer a mention inside a thread in that thread; a top-level mention at top level.
        origin = Origin.of(message.user, message.conversation, thread_ts=event.get("thread_ts"))
        await self._replies.deliver(origin, await self._bot.handle_message(message))
        await self._read_roster_once(message.conversation, bot_user_id)

    async def _read_roster_once(self, conversation: ConversationRef, bot_user_id: str | None) -> None:
        """After the reply: a channel's whole roster, so "DM each member" reaches those who never wrote."""
        if self._roster is not None:
            await self._roster.read_once(conversation, bot_user_id)

    async def on_home_opened(self, body: JsonObject, bot_user_id: str | None = None) -> None:
        event = body.get("event") or {}
        if event.get("tab") not in (None, "home") or not await self._first_time(body):
            return
        team = str(body.get("team_id") or "")
        member = translate.user(team, str(event.get("user", "")))
        direct = translate.conversation(team, str(event.get("channel", "")), "im")
        blocks = await self._bot.handle_home(member, direct)
        try:
            await self._adapter.call(
                team, "views.publish", wait_on_rate_limit=True, user_id=member.id, view=render.home(blocks)
            )
        except DeliveryError as error:
            log.error("could not publish App Home for %s: %s", member.id, error.reason)

    async def on_reaction(self, body: JsonObject, bot_user_id: str | None = None) -> None:
        """A reaction on a message: the core hears it with the message's permalink, once per event."""
        event = body.get("event") or {}
        found = translate.reacted_message(body)
        if found is None or str(event.get("reaction", "")).casefold() not in self._reactions:
            return
        if event.get("user") == bot_user_id or not await self._first_time(body):
            return
        team, channel, ts = found
        try:
            response = await self._adapter.call(team, "chat.getPermalink", channel=channel, message_ts=ts)
        except DeliveryError as error:
            log.info("no permalink for a reacted message in %s: %s", channel, error.reason)
            return
        link = str(response.get("permalink") or "").split("?", 1)[0] or None
        action = translate.reaction(body, link)
        if action is None:
            return
        replies = await self._bot.handle_action(action)
        if replies:
            await self._replies.deliver(Origin.of(action.user, action.conversation), replies)

    async def on_action(self, body: JsonObject, bot_user_id: str | None = None) -> None:
        if body.get("type") != "block_actions":
            return
        action = translate.block_action(body, await self._direct_if_needed(body))
        container = body.get("container") or {}
        origin = Origin.of(
            action.user,
            action.conversation,
            body,
            source_ts=action.source.id if action.source else None,
            source_ephemeral=bool(container.get("is_ephemeral")),
            thread_ts=action.source.thread_id if action.source else None,
        )
        if action.action_id == render.OPEN_FORM_ACTION:
            form = await self._forms.take(action.value)
            if form is not None and origin.trigger_id:
                # As a reply holding the form: a spent trigger_id gets a fresh button instead of losing the form.
                await self._replies.deliver(origin, [OutboundMessage(text=form.title, blocks=(form,), private=True)])
                return
            action = type(action)(action.user, action.conversation, "slack.expired_form", source=action.source)
        replies = await self._bot.handle_action(action)
        await self._replies.deliver(origin, replies)
        if container.get("type") == "view" and (body.get("view") or {}).get("type") == "home":
            await self.on_home_opened(
                {"team_id": action.user.tenant, "event": {"user": action.user.id, "channel": action.conversation.id}}
            )

    async def on_view_submission(self, body: JsonObject, bot_user_id: str | None = None) -> None:
        action = translate.view_submission(body, await self._direct_if_needed(body))
        origin = Origin.of(action.user, action.conversation)
        await self._replies.deliver(origin, await self._bot.handle_action(action))

    async def on_shortcut(self, body: JsonObject, bot_user_id: str | None = None) -> None:
        action = translate.message_shortcut(body)
        origin = Origin.of(action.user, action.conversation, body)
        await self._replies.deliver(origin, await self._bot.handle_action(action))

    async def _first_time(self, body: JsonObject) -> bool:
        """Slack resends an event it thinks we missed (X-Slack-Retry-Num); only the first copy counts."""
        event_id = body.get("event_id")
        if not event_id:
            return True
        first = await self._bot.first_sight(translate.PLATFORM, str(event_id))
        if not first:
            log.info("slack event %s already processed; retry ignored", event_id)
        return first

    async def _direct_if_needed(self, body: JsonObject) -> ConversationRef | None:
        """Presses in App Home and modals carry no channel: answer in the member's DM with the bot."""
        if (body.get("channel") or {}).get("id"):
            return None
        try:
            meta = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        if isinstance(meta, dict) and meta.get("c"):
            return None  # a modal opened from a channel answers there
        team = str((body.get("team") or {}).get("id") or body.get("team_id") or "")
        member = translate.user(team, str((body.get("user") or {}).get("id", "")))
        try:
            direct = await self._bot.reach(member)  # the member's DM, opened once and remembered by the core
        except DeliveryError as error:
            log.error("could not open a DM with %s: %s", member.id, error.reason)
            return None
        return ConversationRef(translate.PLATFORM, team, direct.id, ConversationKind.DIRECT)
