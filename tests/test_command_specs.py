"""Every declared command has its words and texts in every language; the platforms advertise exactly these."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.app import build_app
from adapters.slack.manifest import declared_commands, manifest, slash_commands
from adapters.teams.package import TEAMS_COMMANDS_PER_SCOPE, command_lists
from bot.catalog import SUPPORTED_LANGUAGES, Catalog
from bot.commands.spec import CommandSpec, catalog_keys
from bot.core import LearnBot
from bot.settings import Settings


@pytest.fixture(scope="module")
def bot() -> Iterator[LearnBot]:
    yield build_app(Settings(_env_file=None, database_url="sqlite+aiosqlite:///:memory:")).bot  # type: ignore[call-arg]


def missing_texts(bot: LearnBot, catalog: Catalog) -> list[str]:
    return [
        f"{language}: {key}"
        for spec in bot.commands.all_specs()
        for key in catalog_keys(spec)
        for language in SUPPORTED_LANGUAGES
        if key not in catalog.keys(language)
    ]


def test_every_spec_has_its_words_and_texts_in_all_three_languages(bot: LearnBot) -> None:
    assert missing_texts(bot, bot.catalog) == []


def test_a_spec_without_its_words_in_one_language_is_found(bot: LearnBot) -> None:
    async def handler(*_: object) -> list[object]:  # pragma: no cover - never run
        return []

    catalog = Catalog.load()
    catalog.add("en", {"commands.cheer.words": ["cheer"], "commands.cheer.summary": "s", "commands.cheer.help": "h"})
    catalog.add("da", {"commands.cheer.words": ["skål"], "commands.cheer.summary": "s", "commands.cheer.help": "h"})
    app = build_app(Settings(_env_file=None, database_url="sqlite+aiosqlite:///:memory:"), catalog=catalog)  # type: ignore[call-arg]
    app.bot.command(CommandSpec("cheer", handler))  # type: ignore[arg-type]
    assert missing_texts(app.bot, catalog) == [
        "sv: commands.cheer.words",
        "sv: commands.cheer.summary",
        "sv: commands.cheer.help",
    ]


def test_slack_manifest_lists_exactly_the_slash_commands_that_exist(bot: LearnBot) -> None:
    declared = declared_commands(bot)
    assert [name for name, _, _ in declared] == slash_commands(bot.commands) == ["/learnbot", "/learned", "/retro"]
    generated = manifest("https://learnbot.example.com", declared)["features"]["slash_commands"]
    assert all(command["should_escape"] for command in generated)
    shipped = (Path(__file__).parents[1] / "adapters" / "slack" / "manifest.yml").read_text()
    assert shipped.count("- command: /") == len(generated)
    for command in generated:
        assert f"- command: {command['command']}\n" in shipped
        assert command["description"] in shipped and command["usage_hint"] in shipped


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_teams_command_lists_come_from_the_specs_by_priority(bot: LearnBot, language: str) -> None:
    t = bot.catalog.translator(language)
    lists = command_lists(bot, t)
    assert [entry["scopes"] for entry in lists] == [["personal"], ["team", "groupChat"]]
    words = {bot.help.first_word(t, spec) for spec in bot.commands.commands}
    for entry in lists:
        titles = [command["title"] for command in entry["commands"]]
        assert 0 < len(titles) <= TEAMS_COMMANDS_PER_SCOPE and set(titles) <= words
    by_priority = sorted(bot.commands.commands, key=lambda spec: spec.priority)
    assert lists[0]["commands"][0]["title"] == bot.help.first_word(t, by_priority[0])
