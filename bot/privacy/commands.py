"""`privacy`, `export me` and `forget me` in chat. Forgetting asks first, with the member's choice for their
shared learnings; only the member who asked can press its buttons."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.commands.spec import Args, CommandSpec
from bot.model import Button, Buttons, ConversationKind, InboundAction, OutboundFile, OutboundMessage, Text
from bot.ports import DeliveryError
from bot.privacy.contract import ErasePolicy, PersonalData
from bot.privacy.service import export_document, forget
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot

log = logging.getLogger(__name__)
FORGET = "privacy.forget"
CHOICES = ("erase", "keep", "cancel")


class PrivacyCommands:
    def __init__(self, bot: LearnBot, personal_data: PersonalData, *, retention_days: int, k: int) -> None:
        self._bot = bot
        self._personal_data = personal_data
        self._retention_days = retention_days
        self._k = k

    async def explain(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        text = turn.t("privacy.explain", days=self._retention_days, k=self._k)
        return [OutboundMessage(text=text, blocks=(Text(text),), private=True)]

    async def export(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        notifier = self._bot.notifier
        if not notifier.has(turn.where.platform):
            return [OutboundMessage.plain(turn.t("privacy.export_unavailable"), private=True)]
        document = await export_document(turn.session, self._personal_data, turn.member, turn.now, by="self")
        content = json.dumps(document, ensure_ascii=False, indent=2).encode()
        file = OutboundFile(f"learnbot-export-{turn.now:%Y-%m-%d}.json", content, turn.t("privacy.export_title"))
        user, where = turn.user, turn.where
        failed = OutboundMessage.plain(turn.t("privacy.export_failed"), private=True)
        bot = self._bot

        async def send() -> None:
            try:
                # The file goes to the member's 1:1 chat, wherever they asked: nobody else sees it.
                direct = where if where.kind is ConversationKind.DIRECT else await bot.reach(user)
                await notifier.send_file(direct, file)
            except DeliveryError as error:
                log.warning("could not send an export file: %s", error.reason)
                await notifier.send(where, replace(failed, language=turn.language))

        turn.after_commit.append(send)
        return [OutboundMessage.plain(turn.t("privacy.export_sent"), private=True)]

    async def ask_forget(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        question = turn.t("privacy.forget_question")
        value = str(turn.member.id)
        buttons = Buttons(
            (
                Button(turn.t("privacy.forget_keep"), f"{FORGET}:keep", value, style="danger"),
                Button(turn.t("privacy.forget_erase"), f"{FORGET}:erase", value, style="danger"),
                Button(turn.t("privacy.forget_cancel"), f"{FORGET}:cancel", value),
            )
        )
        return [OutboundMessage(text=question, blocks=(Text(question), buttons), private=True)]

    async def confirmed(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        choice = action.action_id.partition(":")[2]
        if choice not in CHOICES:
            raise UsageError("errors.unknown_action")
        if action.value != str(turn.member.id):
            raise UsageError("replies.not_yours")
        if choice == "cancel":
            return [OutboundMessage(text=turn.t("privacy.forget_cancelled"), private=True, replace_source=True)]
        policy = ErasePolicy(keep_shared_learnings=choice == "keep")
        reference = await forget(turn.session, self._personal_data, turn.member, policy, turn.now, by="self")
        text = turn.t("privacy.forgotten", reference=reference)
        return [OutboundMessage(text=text, blocks=(Text(text),), private=True, replace_source=True)]

    def register(self, bot: LearnBot) -> None:
        bot.command(CommandSpec("privacy", self.explain, priority=80))
        bot.command(CommandSpec("export", self.export, priority=81))
        bot.command(CommandSpec("forget", self.ask_forget, priority=82))
        bot.action(FORGET, self.confirmed)
