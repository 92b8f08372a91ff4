"""The core: inbound messages and actions in, replies out, for every platform alike."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.clock import Clock
from bot.commands.grammar import Empty, Grammar, Parsed, TooLong, Unknown
from bot.commands.help import HelpBook
from bot.directory import Directory, member_language
from bot.home import Home
from bot.membership import record_member
from bot.model import (
    Block,
    ConversationRef,
    InboundAction,
    InboundMessage,
    OutboundMessage,
    Profile,
    UserRef,
)
from bot.ports import Notifier
from bot.turn import ActionHandler, CommandHandler, MessageInterceptor, Turn, UsageError

log = logging.getLogger(__name__)


def _in_language(replies: list[OutboundMessage], language: str) -> list[OutboundMessage]:
    return [reply if reply.language else replace(reply, language=language) for reply in replies]


@dataclass(frozen=True)
class _Command:
    handler: CommandHandler
    manager_only: bool


class LearnBot:
    """Routes a turn to the command, action or interceptor that owns it and returns the replies.

    Features register themselves in the composition root; nothing here knows about learnings or nudges.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        clock: Clock,
        directory: Directory,
        notifier: Notifier,
    ) -> None:
        self.sessions = sessions
        self.catalog = catalog
        self.clock = clock
        self.directory = directory
        self.notifier = notifier
        self.grammar = Grammar()
        self.help = HelpBook(catalog, self.grammar)
        self._commands: dict[str, _Command] = {}
        self._actions: dict[str, ActionHandler] = {}
        self._interceptors: list[MessageInterceptor] = []
        self.home = Home()

    # --- registration (composition root only) ---------------------------------------------------------------

    def command(
        self, name: str, handler: CommandHandler, *, aliases: tuple[str, ...] = (), manager_only: bool = False
    ) -> None:
        self.grammar.add(name, aliases)
        self._commands[name] = _Command(handler, manager_only)

    def action(self, action_id: str, handler: ActionHandler) -> None:
        """Handle actions whose id is `action_id`, or starts with `action_id` + ':'."""
        self._actions[action_id] = handler

    def intercept(self, interceptor: MessageInterceptor) -> None:
        self._interceptors.append(interceptor)

    # --- the port adapters call ---------------------------------------------------------------------------

    async def handle_message(self, message: InboundMessage) -> list[OutboundMessage]:
        async with self.sessions() as session:
            turn = await self._open_turn(session, message.user, message.conversation, message.profile)
            turn.thread_id = message.thread_id
            replies = await self._route_message(turn, message)
            await session.commit()
        await self._run_after_commit(turn)
        return _in_language(replies, turn.language)

    async def handle_action(self, action: InboundAction) -> list[OutboundMessage]:
        async with self.sessions() as session:
            turn = await self._open_turn(session, action.user, action.conversation, action.profile)
            handler = self._actions.get(action.action_id) or self._actions.get(action.action_id.split(":")[0])
            if handler is None:
                log.warning("no handler for action %r", action.action_id)
                replies = [OutboundMessage.plain(turn.t("errors.unknown_action"), private=True)]
            else:
                try:
                    replies = await handler(turn, action)
                except UsageError as error:
                    replies = [OutboundMessage.plain(turn.t(error.key, **error.params), private=True)]
            await session.commit()
        await self._run_after_commit(turn)
        return _in_language(replies, turn.language)

    async def handle_home(self, user: UserRef, where: ConversationRef) -> tuple[Block, ...]:
        """The member's home page (Slack App Home) as neutral blocks; `where` is their direct conversation."""
        async with self.sessions() as session:
            turn = await self._open_turn(session, user, where, None)
            blocks = await self.home.render(turn)
            await session.commit()
        return blocks

    # --- internals ----------------------------------------------------------------------------------------

    async def _open_turn(
        self, session: AsyncSession, user: UserRef, where: ConversationRef, hint: Profile | None
    ) -> Turn:
        now = self.clock.now()
        tenant = await self.directory.find_tenant(session, user.platform, user.tenant)
        member = await self.directory.find_member(session, tenant, user) if tenant else None
        if member is None:
            # First contact: ask the platform who this is (name, locale, time zone, admin) once, then remember.
            # Asked before anything is written, so no database lock is held while the platform answers.
            profile = await self._profile(user) or hint
            tenant = tenant or await self.directory.tenant(session, user.platform, user.tenant, now)
            member, _ = await self.directory.member(session, tenant, user, profile, now)
        elif hint is not None:
            # Members first seen on a roster carry no locale or time zone; their own messages may.
            self.directory.fill_gaps(member, hint)
        assert tenant is not None
        conversation = await self.directory.conversation(session, tenant, where, now)
        await record_member(session, conversation, member, now)  # who is in a channel, for nudges to members
        translator = self.catalog.translator(member_language(member))
        return Turn(session, tenant, member, conversation, user, where, translator, now)

    async def _profile(self, user: UserRef) -> Profile | None:
        try:
            return await self.notifier.fetch_profile(user)
        except Exception:  # a profile is a nicety; never lose the message over it
            log.exception("could not fetch the profile of %s/%s", user.platform, user.id)
            return None

    async def _route_message(self, turn: Turn, message: InboundMessage) -> list[OutboundMessage]:
        for interceptor in self._interceptors:
            replies = await interceptor(turn, message)
            if replies is not None:
                return replies
        if not message.addressed:
            return []
        parsed = self.grammar.parse(message.text)
        match parsed:
            case Empty():
                return [self.help.overview(turn.t)]
            case TooLong(length=length, limit=limit):
                return [OutboundMessage.plain(turn.t("errors.too_long", length=length, limit=limit), private=True)]
            case Unknown(word=word, suggestion=suggestion):
                return [self.help.unknown(turn.t, word, suggestion)]
            case Parsed(command=name, args=args):
                return await self._run_command(turn, name, args)
        raise AssertionError(parsed)  # pragma: no cover

    async def _run_command(self, turn: Turn, name: str, args: str) -> list[OutboundMessage]:
        command = self._commands[name]
        if command.manager_only and not turn.is_manager:
            return [OutboundMessage.plain(turn.t("errors.managers_only", command=name), private=True)]
        try:
            return await command.handler(turn, args)
        except UsageError as error:
            return [self.help.usage_error(turn.t, name, turn.t(error.key, **error.params))]

    async def _run_after_commit(self, turn: Turn) -> None:
        for job in turn.after_commit:
            try:
                await job()
            except Exception:
                log.exception("after-commit work failed")
