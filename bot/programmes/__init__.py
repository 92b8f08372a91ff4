"""Programmes as data (prompts/programmes/*.toml): onboarding journeys for a new hire and their buddy, and the
five-step kickstart for a leadership channel. Every step is a kind of the conversation engine."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import prompts
from bot.conversations.engine import ConversationEngine
from bot.core import LearnBot
from bot.programmes import personal_data
from bot.programmes.commands import ProgrammeCommands
from bot.programmes.definitions import load_programmes
from bot.programmes.kind import Exhibit, ProgrammeStepKind


def install(
    bot: LearnBot, engine: ConversationEngine, exhibits: Mapping[str, Exhibit] | None = None
) -> ProgrammeCommands:
    """Programmes' one install step: texts, the programme files, the step kind and the commands. `exhibits` are
    what steps may show (`shows = "scorecard"` in a programme file)."""
    bot.catalog.add_directory(Path(prompts.__file__).parent / "programmes" / "texts")
    programmes = load_programmes()
    missing = {step.shows for p in programmes.values() for step in p.steps if step.shows} - set(exhibits or {})
    if missing:
        raise ValueError(f"programme steps show {sorted(missing)}, which nothing installed")
    engine.install(ProgrammeStepKind(programmes, exhibits))
    commands = ProgrammeCommands(engine, programmes)
    commands.register(bot)
    bot.personal_data.register(personal_data.CONTRACT)
    return commands
