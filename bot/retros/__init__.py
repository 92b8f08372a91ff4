"""Retros in chat: a manager starts one in a channel, everyone answers (anonymously if chosen), the team votes,
the summary and action items are followed up next time. Kinds of the conversation engine do the asking, reminding
and closing; this package words them and keeps the retro's own tables."""

from __future__ import annotations

import tomllib

from bot.catalog import SUPPORTED_LANGUAGES, Catalog, flatten
from bot.conversations.engine import ConversationEngine
from bot.core import LearnBot
from bot.learning.log import LearningLog
from bot.privacy.k_anonymity import Rule
from bot.retros import personal_data
from bot.retros.commands import RetroCommands
from bot.retros.kinds import ActionKind, CollectKind, VoteKind, WithheldKind
from bot.retros.outcome import Finisher
from bot.retros.search import AnonymousRetroLearnings
from bot.retros.templates import CATALOG_DIRECTORY


def add_texts(catalog: Catalog) -> None:
    """The retros' own catalog (prompts/retros/<language>.toml) added to every language."""
    for language in SUPPORTED_LANGUAGES:
        with (CATALOG_DIRECTORY / f"{language}.toml").open("rb") as file:
            catalog.add(language, flatten(tomllib.load(file)))


def install(bot: LearnBot, engine: ConversationEngine, learning_log: LearningLog, rule: Rule) -> RetroCommands:
    """Retros' one install step: their texts, their kinds, the commands, the buttons, anonymous retros' learnings
    in the learning log's search and their personal-data contract. `rule` is the team's k-anonymity rule: an
    anonymous retro's summary needs K members behind it."""
    add_texts(bot.catalog)
    finish = Finisher(learning_log)
    votes = VoteKind(finish)
    engine.install(CollectKind(finish, rule))
    engine.install(votes)
    engine.install(ActionKind())
    engine.install(WithheldKind())
    commands = RetroCommands(engine, votes, bot.notifier, rule)
    commands.register(bot)
    learning_log.sources.append(AnonymousRetroLearnings())
    bot.personal_data.register(personal_data.CONTRACT)
    return commands
