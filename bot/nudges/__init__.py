"""Nudges: scheduled reflection prompts (a kind of the conversation engine), their schedule commands and prompt
sets, the member's own settings (pause, holidays, opt-out), streaks and the home section."""

from __future__ import annotations

from bot.conversations.engine import ConversationEngine
from bot.core import LearnBot
from bot.nudges.commands import NudgeCommands
from bot.nudges.home import NudgeHome
from bot.nudges.kind import NudgeKind
from bot.nudges.messages import LEGACY_ACTIONS


def install(bot: LearnBot, engine: ConversationEngine) -> NudgeCommands:
    """Nudges' one install step: the kind, the commands, the home section, and the buttons of older prompts."""
    engine.install(NudgeKind())
    commands = NudgeCommands(engine)
    commands.register(bot)
    NudgeHome(commands).register(bot)
    handlers = {"conversation.answer": engine.answers.open_form, "conversation.submit": engine.answers.submit}
    for old, new in LEGACY_ACTIONS.items():
        bot.action(old, handlers[new])
    return commands
