"""Mentoring: mentor pairs with check-ins on their cadence, finding who knows a topic, and the programme owner's
report. Check-ins and the ask-to-mentor question are kinds of the conversation engine."""

from __future__ import annotations

from pathlib import Path

import prompts
from bot.conversations.engine import ConversationEngine
from bot.core import LearnBot
from bot.learning.log import LearningLog
from bot.mentoring import personal_data
from bot.mentoring.asking import AskKind
from bot.mentoring.checkin import CheckInKind
from bot.mentoring.commands import MentoringCommands
from bot.privacy.k_anonymity import Rule

TEXTS = Path(prompts.__file__).parent / "mentoring"


def install(bot: LearnBot, engine: ConversationEngine, learning_log: LearningLog, rule: Rule) -> MentoringCommands:
    """Mentoring's one install step: its texts, kinds and commands and its personal-data contract. `rule` is the
    team's k-anonymity rule, made once by the composition root."""
    bot.catalog.add_directory(TEXTS)
    engine.install(CheckInKind())
    engine.install(AskKind())
    commands = MentoringCommands(engine, learning_log, rule)
    commands.register(bot)
    bot.personal_data.register(personal_data.CONTRACT)
    return commands
