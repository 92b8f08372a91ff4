"""`kudos @member [for …]`, the kudos buttons on shared learnings and retro summaries, and reactions on a learning
message (a platform event the adapter reports as an action)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.catalog import Translator
from bot.commands.spec import Arg, Args, CommandSpec, Kind
from bot.db.base import row_id
from bot.db.models import Member
from bot.directory import member_language
from bot.kudos.giving import MAX_REASON, Gift, Outcome, give, take_back_reaction
from bot.learning.tables import Learning
from bot.model import (
    REACTION_ADDED_ACTION,
    REACTION_REMOVED_ACTION,
    Button,
    ConversationKind,
    InboundAction,
    OutboundMessage,
    Text,
    UserRef,
)
from bot.ports import DeliveryError
from bot.retros.outcome import RETRO_THANKS_ACTION
from bot.retros.tables import Retro
from bot.roles.access import display
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot

log = logging.getLogger(__name__)

LEARNING_ACTION = "kudos.learning"
# Words that may introduce the reason (`kudos @bo for the review`): dropped, the rest is the reason.
_FOR_WORDS = frozenset({"for", "för", "fordi", "because", "eftersom"})
SNIPPET = 120


def learning_button(t: Translator, learning: Learning, viewer_id: int) -> Button | None:
    """The kudos button under a shared learning someone else wrote (the learning log's rendering asks)."""
    if learning.private or learning.member_id == viewer_id:
        return None
    return Button(t("kudos.button"), f"{LEARNING_ACTION}:{learning.id}", str(learning.id))


def _reason(text: str | None) -> str:
    words = (text or "").split(maxsplit=1)
    if words and words[0].casefold() in _FOR_WORDS:
        words = words[1:]
    return " ".join(" ".join(words).split())


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def _private(text: str) -> list[OutboundMessage]:
    return [OutboundMessage(text=text, blocks=(Text(text),), private=True)]


class KudosCommands:
    def __init__(self, bot: LearnBot, reactions: Collection[str]) -> None:
        self._bot = bot
        self._reactions = frozenset(reaction.strip(":").casefold() for reaction in reactions)

    def specs(self) -> list[CommandSpec]:
        return [
            CommandSpec(
                "kudos",
                self.kudos,
                (Arg("member", Kind.MEMBER), Arg("reason", Kind.TEXT, required=False, keeps_mentions=True)),
                priority=24,  # after pause/stop: Teams lists a scope's first ten commands
            )
        ]

    def register(self, bot: LearnBot) -> None:
        for spec in self.specs():
            bot.command(spec)
        bot.action(LEARNING_ACTION, self.learning_pressed)
        bot.action(RETRO_THANKS_ACTION, self.retro_pressed)
        bot.action(REACTION_ADDED_ACTION, self.reaction_added)
        bot.action(REACTION_REMOVED_ACTION, self.reaction_removed)

    # --- the command --------------------------------------------------------------------------------------

    async def kudos(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        receiver = args.member("member")
        reason = _reason(args.string("reason"))
        if len(reason) > MAX_REASON:
            raise UsageError("kudos.too_long", limit=MAX_REASON)
        gift = Gift(turn.tenant.id, turn.member, receiver, "command", turn.now, turn.conversation.id, reason=reason)
        outcome = await give(turn.session, gift)
        if outcome != "given":
            raise UsageError(f"kudos.{outcome}")
        assert receiver is not None
        giver, name = display(turn.member), display(receiver)
        text = (
            turn.t("kudos.given_for", giver=giver, name=name, reason=reason)
            if reason
            else turn.t("kudos.given", giver=giver, name=name)
        )
        if turn.where.kind is ConversationKind.DIRECT:
            # Nobody else saw it: the colleague hears it in their own chat with the bot.
            self._tell(turn, receiver, "kudos.received_for" if reason else "kudos.received", reason=reason)
            return _private(turn.t("kudos.sent", name=name))
        return [OutboundMessage(text=text, blocks=(Text(text),))]  # a thank-you is meant to be seen

    # --- buttons ------------------------------------------------------------------------------------------

    async def learning_pressed(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        learning = await self._learning(turn, row_id(action.value))
        if learning is None:
            raise UsageError("kudos.learning_gone")
        outcome = await self._for_learning(turn, learning, "button", None)
        if outcome == "given":
            self._tell(turn, learning.author, "kudos.received_learning", learning=_snippet(learning.text))
        return self._pressed(turn, outcome, learning.author)

    async def retro_pressed(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        number = row_id(action.value)
        retro = await turn.session.get(Retro, number) if number else None
        if retro is None or retro.tenant_id != turn.tenant.id or retro.phase != "closed":
            raise UsageError("kudos.retro_gone")
        starter = await turn.session.get(Member, retro.starter_member_id) if retro.starter_member_id else None
        gift = Gift(turn.tenant.id, turn.member, starter, "button", turn.now, retro.conversation_id, retro_id=retro.id)
        outcome = await give(turn.session, gift)
        if outcome == "given" and starter is not None:
            self._tell(turn, starter, "kudos.received_retro", title=retro.title or "#" + str(retro.id))
        return self._pressed(turn, outcome, starter)

    def _pressed(self, turn: Turn, outcome: Outcome, receiver: Member | None) -> list[OutboundMessage]:
        name = display(receiver) if receiver is not None else ""
        key = {"given": "kudos.sent", "already": "kudos.already"}.get(outcome, f"kudos.{outcome}")
        return _private(turn.t(key, name=name))

    # --- reactions (Slack) ----------------------------------------------------------------------------------

    async def reaction_added(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        """A reaction from the configured set on a message a shared learning was saved from counts as kudos.
        Reactions get no reply: they are quiet by nature."""
        reaction = action.value.strip(":").casefold()
        if reaction in self._reactions:
            learning = await self._learning_at(turn, action.link)
            if learning is not None:
                await self._for_learning(turn, learning, "reaction", reaction)
        return []

    async def reaction_removed(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        reaction = action.value.strip(":").casefold()
        if reaction in self._reactions:
            learning = await self._learning_at(turn, action.link)
            if learning is not None:
                await take_back_reaction(turn.session, turn.member.id, learning.id, reaction)
        return []

    # --- helpers ------------------------------------------------------------------------------------------

    async def _for_learning(self, turn: Turn, learning: Learning, source: str, reaction: str | None) -> Outcome:
        gift = Gift(
            turn.tenant.id,
            turn.member,
            learning.author,
            source,
            turn.now,
            turn.conversation.id,
            learning_id=learning.id,
            reaction=reaction,
        )
        return await give(turn.session, gift)

    async def _learning(self, turn: Turn, number: int | None) -> Learning | None:
        learning = await turn.session.get(Learning, number) if number else None
        if learning is None or learning.tenant_id != turn.tenant.id or learning.private:
            return None
        return learning

    async def _learning_at(self, turn: Turn, link: str | None) -> Learning | None:
        """The shared learning saved from the message at `link` (the adapter's link to the reacted message)."""
        if not link:
            return None
        return await turn.session.scalar(
            select(Learning)
            .where(Learning.tenant_id == turn.tenant.id, Learning.source_url == link, Learning.private.is_(False))
            .order_by(Learning.id)
            .limit(1)
        )

    def _tell(self, turn: Turn, receiver: Member, key: str, **params: object) -> None:
        """After the turn commits: the receiver hears of it in their 1:1 chat, in their language (best effort)."""
        giver = display(turn.member)
        user = UserRef(turn.tenant.platform, turn.tenant.external_id, receiver.platform_user_id, receiver.display_name)
        text = self._bot.catalog.translator(member_language(receiver))(key, giver=giver, **params)
        message = OutboundMessage(text=text, blocks=(Text(text),))

        async def send() -> None:
            if not self._bot.notifier.has(user.platform):
                return
            try:
                direct = await self._bot.membership.reach(user)
                await self._bot.notifier.send(direct, message)
            except DeliveryError as error:
                log.info("could not tell member %s of a kudos: %s", receiver.id, error.reason)

        turn.after_commit.append(send)
