"""Learning goals for the development review: add, list, done, share with a mentor, review; nudges before the
date are a kind of the conversation engine."""

from __future__ import annotations

from pathlib import Path

import prompts
from bot.conversations.engine import ConversationEngine
from bot.core import LearnBot
from bot.goals import personal_data
from bot.goals.commands import GoalCommands
from bot.goals.kind import GoalNudgeKind


def install(bot: LearnBot, engine: ConversationEngine) -> GoalCommands:
    """Goals' one install step: texts, the nudge kind, the commands and its personal-data contract."""
    bot.catalog.add_directory(Path(prompts.__file__).parent / "goals")
    engine.install(GoalNudgeKind())
    commands = GoalCommands(engine)
    commands.register(bot)
    bot.personal_data.register(personal_data.CONTRACT)
    return commands
