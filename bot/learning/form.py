"""Logging a learning through a form (Slack modal, Teams card), and the quick actions on a member's home."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.home import actions_section
from bot.learning.commands import LearningCommands
from bot.learning.log import LearningLog, source_link
from bot.model import Block, Form, InboundAction, Input, OutboundMessage
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot

COMPOSE = "learning.compose"
SUBMIT = "learning.submit"
TEXT_FIELD = "text"


class LearningForm:
    def __init__(self, log: LearningLog, commands: LearningCommands) -> None:
        self._log = log
        self._commands = commands

    def register(self, bot: LearnBot) -> None:
        bot.action(COMPOSE, self.compose)
        bot.action(SUBMIT, self.submit)
        bot.home.add(self._actions, order=90)

    async def compose(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        """The form to log a learning, prefilled with `action.value` (e.g. a message saved via a shortcut)."""
        form = Form(
            action_id=SUBMIT,
            title=turn.t("learning_form.title"),
            submit_label=turn.t("learning_form.submit"),
            inputs=(
                Input(
                    TEXT_FIELD,
                    turn.t("learning_form.label"),
                    kind="multiline",
                    initial=action.value or None,
                    placeholder=turn.t("learning_form.placeholder"),
                ),
            ),
            value=source_link(action.link) or "",
        )
        return [OutboundMessage(text=form.title, blocks=(form,), private=True)]

    async def submit(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        text = action.form.get(TEXT_FIELD)
        if not isinstance(text, str) or not text.strip():
            raise UsageError("learned.empty")
        return await self._commands.save(turn, text.strip(), source_url=source_link(action.value))

    async def _actions(self, turn: Turn) -> tuple[Block, ...]:
        return actions_section(turn)
