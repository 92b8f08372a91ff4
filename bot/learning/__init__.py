"""The learning log: what members learned (its tables, search, import and export), the `learned` / `learnings`
commands and the form, the home section, and resurfacing (a kind of the conversation engine that asks whether a
learning was used)."""

from __future__ import annotations

from bot.conversations.engine import ConversationEngine
from bot.core import LearnBot
from bot.learning import personal_data, resurfacing
from bot.learning.channel_answers import ChannelAnswers
from bot.learning.commands import LearningCommands
from bot.learning.form import LearningForm
from bot.learning.home import ORDER, LearningHome
from bot.learning.log import LearningLog


def install(bot: LearnBot, engine: ConversationEngine, log: LearningLog) -> LearningLog:
    """The learning log's one install step: its commands, the form, the home section, resurfacing and its
    personal-data contract."""
    log.sources.append(ChannelAnswers())
    commands = LearningCommands(log)
    commands.register(bot)
    LearningForm(log, commands).register(bot)
    bot.home.add(LearningHome(log).recent_section, order=ORDER)
    resurfacing.install(bot, engine, log)
    bot.personal_data.register(personal_data.CONTRACT)
    return log
