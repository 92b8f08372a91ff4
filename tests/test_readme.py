"""The README's promises that code can check: the quick start is the two commands CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the quick start has no sh block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_commands_that_need_no_activated_environment() -> None:
    setup_and_chat, tests = quick_start_commands()
    assert setup_and_chat.startswith("python3 -m venv .venv && .venv/bin/pip install ")
    assert setup_and_chat.endswith("&& .venv/bin/learnbot chat")
    assert tests == ".venv/bin/pytest"
    # Nothing may rely on an activated venv or a pip/pytest on PATH.
    for command in (setup_and_chat, tests):
        words = command.replace("&&", " ").split()
        assert not {"pip", "pytest", "learnbot", "activate", "."} & set(words), command


def test_ci_runs_the_quick_start_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    _, tests = quick_start_commands()
    assert f"TEST_COMMAND={tests}\n" in ci
    assert ci.count("$TEST_COMMAND") == 2  # SQLite, then PostgreSQL
    assert "python3 -m venv .venv\n" in ci


def test_configuration_table_is_the_one_generated_from_the_settings() -> None:
    from bot.settings import Settings, settings_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, "regenerate the README table with `learnbot config --table`"
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name.upper()} needs a description"
