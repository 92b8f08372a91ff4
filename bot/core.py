"""The core: inbound messages and actions in, replies out, for every platform alike."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import directory_personal_data
from bot.catalog import Catalog
from bot.clock import Clock
from bot.commands.book import CommandBook, Empty, Matched, TooLong, Unknown
from bot.commands.help import HelpBook
from bot.commands.runner import CommandRunner
from bot.commands.spec import CommandSpec
from bot.directory import Directory, member_language
from bot.errors import apology, report
from bot.home import Home
from bot.inbound_events import claim
from bot.membership import Membership, record_member
from bot.model import (
    Block,
    Button,
    Buttons,
    ConversationRef,
    InboundAction,
    InboundMessage,
    OutboundMessage,
    Profile,
    RosterEntry,
    Text,
    UserRef,
)
from bot.people import personal_data as people_personal_data
from bot.people.reach import Reach
from bot.ports import Notifier
from bot.privacy.contract import PersonalData
from bot.private_replies import PrivateReplies
from bot.roles.access import apply_platform_role, first_member_becomes_admin
from bot.turn import ActionHandler, MessageInterceptor, ReplyAwaited, Turn, UsageError

log = logging.getLogger(__name__)

# A platform profile (and the role it gives) is read again after this long.
PROFILE_REFRESH = timedelta(hours=24)
# The two buttons offered when a reply is awaited but the text starts with a command word.
AS_ANSWER = "core.as_answer"
AS_COMMAND = "core.as_command"
# The longest button value every platform keeps whole (Slack: 2,000 characters).
CHOICE_VALUE_LIMIT = 1_900


def _in_language(replies: list[OutboundMessage], language: str) -> list[OutboundMessage]:
    return [reply if reply.language else replace(reply, language=language) for reply in replies]


@dataclass(frozen=True)
class _Interceptor:
    take: MessageInterceptor
    awaits: ReplyAwaited | None


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
        self.commands = CommandBook(catalog)
        self.help = HelpBook(catalog, self.commands)
        self._runner = CommandRunner(self.help, directory)
        self._actions: dict[str, ActionHandler] = {AS_ANSWER: self._as_answer, AS_COMMAND: self._as_command}
        self._interceptors: list[_Interceptor] = []
        self.home = Home()
        # Every feature's personal-data contract; the directory's and people's come first, so erasure ends there.
        self.personal_data = PersonalData()
        self.personal_data.register(directory_personal_data.CONTRACT)
        self.personal_data.register(people_personal_data.CONTRACT)
        self.direct_reach = Reach(sessions, directory, notifier, clock)
        self.membership = Membership(sessions, directory, catalog, clock, notifier, self.direct_reach)
        self._private = PrivateReplies(notifier, self.membership, catalog, directory.default_language)

    # --- registration (features' install steps) ---------------------------------------------------------------

    def command(self, spec: CommandSpec) -> None:
        """Add a command (with its sub-commands); its words come from the catalogs under `commands.<key>`."""
        self.commands.add(spec)

    def action(self, action_id: str, handler: ActionHandler) -> None:
        """Handle actions whose id is `action_id`, or starts with `action_id` + ':'."""
        self._actions[action_id] = handler

    def intercept(self, interceptor: MessageInterceptor, *, awaits: ReplyAwaited | None = None) -> None:
        """Offer text that is no command to `interceptor`. With `awaits`, a command typed where it awaits a
        reply asks the member first whether it was meant as the answer."""
        self._interceptors.append(_Interceptor(interceptor, awaits))

    # --- the port adapters call ---------------------------------------------------------------------------

    async def handle_message(self, message: InboundMessage) -> list[OutboundMessage]:
        replies = await self._guarded(
            message.user,
            message.conversation,
            message.profile,
            lambda turn: self._route_message(turn, message),
            f"message from {message.user.platform}",
            thread_id=message.thread_id,
        )
        replies = await self._private.route(message.user, message.conversation, replies)
        return self.notifier.fit(message.conversation.platform, replies)

    async def handle_action(self, action: InboundAction) -> list[OutboundMessage]:
        async def run(turn: Turn) -> list[OutboundMessage]:
            handler = self._actions.get(action.action_id) or self._actions.get(action.action_id.split(":")[0])
            if handler is None:
                log.warning("no handler for action %r", action.action_id)
                return [OutboundMessage.plain(turn.t("errors.unknown_action"), private=True)]
            try:
                return await handler(turn, action)
            except UsageError as error:
                return [OutboundMessage.plain(turn.t(error.key, **error.params), private=True)]

        replies = await self._guarded(
            action.user, action.conversation, action.profile, run, f"action {action.action_id[:40]!r}"
        )
        if not action.answered_in_private:
            replies = await self._private.route(action.user, action.conversation, replies)
        return self.notifier.fit(action.conversation.platform, replies)

    async def handle_home(self, user: UserRef, where: ConversationRef) -> tuple[Block, ...]:
        """The member's home page (Slack App Home) as neutral blocks; `where` is their direct conversation."""
        replies = await self._guarded(user, where, None, lambda turn: self._home(turn), f"home page on {user.platform}")
        return replies[0].blocks if replies else ()

    async def first_sight(self, platform: str, event_id: str) -> bool:
        return await claim(self.sessions, platform, event_id, self.clock.now())

    async def roster_joined(self, conversation: ConversationRef, entries: Sequence[RosterEntry]) -> None:
        await self.membership.record(conversation, entries)

    async def roster_left(self, conversation: ConversationRef, users: Sequence[UserRef]) -> None:
        await self.membership.remove(conversation, users)

    async def removed_from(self, conversation: ConversationRef) -> None:
        await self.membership.forget(conversation)

    async def profile_changed(self, user: UserRef, profile: Profile) -> None:
        await self.membership.refresh_profile(user, profile)

    async def welcome(self, user: UserRef, where: ConversationRef, profile: Profile | None) -> OutboundMessage:
        return await self.membership.welcome(user, where, profile)

    async def reach(self, user: UserRef) -> ConversationRef:
        return await self.membership.reach(user)

    async def _home(self, turn: Turn) -> list[OutboundMessage]:
        return [OutboundMessage(text="", blocks=await self.home.render(turn))]

    # --- the one error path ---------------------------------------------------------------------------------

    async def _guarded(
        self,
        user: UserRef,
        where: ConversationRef,
        hint: Profile | None,
        work: Callable[[Turn], Awaitable[list[OutboundMessage]]],
        what: str,
        *,
        thread_id: str | None = None,
    ) -> list[OutboundMessage]:
        """Run `work` in one transaction. Anything unexpected rolls it back and answers with an apology and the
        reference code that the log line carries with the traceback."""
        language = self.catalog.translator(self.directory.default_language).language
        async with self.sessions() as session:
            try:
                turn = await self._open_turn(session, user, where, hint)
                turn.thread_id = thread_id
                language = turn.language
                replies = await work(turn)
                await session.commit()
            except Exception as error:
                await session.rollback()
                reference = report(error, what)
                return [replace(apology(self.catalog.translator(language), reference), language=language)]
        for job in turn.after_commit:
            try:
                await job()
            except Exception as error:  # the turn is saved; what follows it is best effort, and logged
                report(error, "work after a turn")
        return _in_language(replies, turn.language)

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
            member.profile_checked_at = now
            if self._has_no_roles(user.platform):
                await first_member_becomes_admin(session, member)
        else:
            if member.profile_checked_at is None or now - member.profile_checked_at >= PROFILE_REFRESH:
                # Platform roles are re-checked now and then, so a Slack admin who is no longer one loses it.
                fresh = await self._profile(user)
                if fresh is not None:
                    apply_platform_role(member, fresh, authoritative=fresh.states_roles)
                    # A member first met as a mention has only the name the mention showed.
                    member.display_name = fresh.display_name or member.display_name
                    self.directory.fill_gaps(member, fresh)
                member.profile_checked_at = now
            if hint is not None:
                # Members first seen on a roster carry no locale or time zone; their own messages may.
                self.directory.fill_gaps(member, hint)
        assert tenant is not None
        conversation = await self.directory.conversation(session, tenant, where, now)
        await record_member(session, conversation, member, now)  # who is in a channel, for nudges to members
        translator = self.catalog.translator(member_language(member))
        return Turn(session, tenant, member, conversation, user, where, translator, now)

    def _has_no_roles(self, platform: str) -> bool:
        return self.notifier.has(platform) and self.notifier.adapter_for(platform).capabilities.first_member_is_admin

    async def _profile(self, user: UserRef) -> Profile | None:
        try:
            return await self.notifier.fetch_profile(user)
        except Exception:  # a profile is a nicety; never lose the message over it
            log.exception("could not fetch the profile of %s/%s", user.platform, user.id)
            return None

    async def _route_message(self, turn: Turn, message: InboundMessage) -> list[OutboundMessage]:
        parsed = self.commands.parse(message.text, message.mentions)
        if message.addressed and isinstance(parsed, Matched):
            # A bare command word ("pause") is the command; words after it may be an answer that happens to
            # start like one ("Stop doing big-bang releases"), so where an answer is awaited the member chooses.
            if parsed.args.text and await self._reply_awaited(turn, message):
                if len(_choice_value(message, turn.member.id)) > CHOICE_VALUE_LIMIT:
                    # Too long to ride on a button (Slack keeps 2,000 characters): pages of text are an answer.
                    return await self._offer_as_answer(turn, message) or []
                return [self._which_did_you_mean(turn, message, parsed.spec)]
            return await self._runner.run(turn, parsed)
        replies = await self._offer_as_answer(turn, message)
        if replies is not None or not message.addressed:
            return replies or []
        match parsed:
            case Empty():
                return [self.help.overview(turn.t)]
            case TooLong(length=length, limit=limit):
                return [OutboundMessage.plain(turn.t("errors.too_long", length=length, limit=limit), private=True)]
            case Unknown(word=word, suggestion=suggestion):
                return [self.help.unknown(turn.t, word, suggestion, turn.now.date())]
        raise AssertionError(parsed)  # pragma: no cover

    async def _offer_as_answer(self, turn: Turn, message: InboundMessage) -> list[OutboundMessage] | None:
        for interceptor in self._interceptors:
            replies = await interceptor.take(turn, message)
            if replies is not None:
                return replies
        return None

    async def _reply_awaited(self, turn: Turn, message: InboundMessage) -> bool:
        for interceptor in self._interceptors:
            if interceptor.awaits is not None and await interceptor.awaits(turn, message):
                return True
        return False

    def _which_did_you_mean(self, turn: Turn, message: InboundMessage, spec: CommandSpec) -> OutboundMessage:
        """Two buttons, and nothing happens until one is pressed: the text as an answer, or the command."""
        value = _choice_value(message, turn.member.id)
        command = self.help.path(turn.t, spec)
        question = turn.t("replies.which", command=command)
        buttons = Buttons(
            (
                Button(turn.t("replies.as_answer"), AS_ANSWER, value, style="primary"),
                Button(turn.t("replies.as_command", command=command), AS_COMMAND, value),
            )
        )
        return OutboundMessage(text=question, blocks=(Text(question), buttons), private=True, thread_id=None)

    def _chosen(self, turn: Turn, action: InboundAction) -> InboundMessage:
        try:
            state = json.loads(action.value)
            text, thread, author = str(state["text"]), state.get("thread"), state.get("by")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise UsageError("errors.unknown_action") from None
        if author != turn.member.id:
            raise UsageError("replies.not_yours")
        thread_id = str(thread) if isinstance(thread, str) else None
        turn.thread_id = thread_id
        return InboundMessage(action.user, action.conversation, text, thread_id=thread_id)

    async def _as_answer(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        message = self._chosen(turn, action)
        replies = await self._offer_as_answer(turn, message)
        if replies is None:  # the prompt closed meanwhile
            return [OutboundMessage.plain(turn.t("replies.nothing_awaited"), private=True)]
        return [replace(reply, replace_source=True) for reply in replies[:1]] + replies[1:]

    async def _as_command(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        message = self._chosen(turn, action)
        parsed = self.commands.parse(message.text)
        if not isinstance(parsed, Matched):
            raise UsageError("errors.unknown_action")
        return await self._runner.run(turn, parsed)


def _choice_value(message: InboundMessage, member_id: int) -> str:
    return json.dumps({"text": message.text, "thread": message.thread_id, "by": member_id}, ensure_ascii=False)
