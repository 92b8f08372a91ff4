"""Programmes as data (prompts/programmes/*.toml): onboarding journeys for a new hire and their buddy, and the
five-step kickstart for a leadership channel. Every step is a kind of the conversation engine."""

from __future__ import annotations

from pathlib import Path

import prompts
from bot.conversations.engine import ConversationEngine
from bot.core import LearnBot
from bot.programmes import personal_data
from bot.programmes.commands import ProgrammeCommands
from bot.programmes.definitions import load_programmes
from bot.programmes.kind import ProgrammeStepKind


def install(bot: LearnBot, engine: ConversationEngine) -> ProgrammeCommands:
    """Programmes' one install step: texts, the programme files, the step kind and the commands."""
    bot.catalog.add_directory(Path(prompts.__file__).parent / "programmes" / "texts")
    programmes = load_programmes()
    engine.install(ProgrammeStepKind(programmes))
    commands = ProgrammeCommands(engine, programmes)
    commands.register(bot)
    bot.personal_data.register(personal_data.CONTRACT)
    return commands
