"""The weekly digest ("fredagsfortælling"), opt-in per channel: the week's most appreciated shared learnings,
retro learnings, applied learnings, streak milestones and a chart, posted on its day by the conversation engine."""

from __future__ import annotations

from pathlib import Path

import prompts
from bot.conversations.engine import ConversationEngine
from bot.core import LearnBot
from bot.digest.commands import DigestCommands
from bot.digest.kind import DigestKind
from bot.privacy.k_anonymity import Rule


def install(bot: LearnBot, engine: ConversationEngine, rule: Rule) -> DigestCommands:
    """The digest's one install step: texts, the kind and the commands. It stores nothing of its own beyond the
    engine's series (the opt-in), so it has no personal data to declare."""
    bot.catalog.add_directory(Path(prompts.__file__).parent / "digest")
    engine.install(DigestKind(rule))
    commands = DigestCommands(engine)
    commands.register(bot)
    return commands
