"""Retro templates as data: their shape in prompts/retros/templates.toml, their words in the language files."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.catalog import Translator

CATALOG_DIRECTORY = Path(__file__).resolve().parents[2] / "prompts" / "retros"
MAX_QUESTIONS = 6


@dataclass(frozen=True)
class Template:
    name: str
    questions: int
    learnings: int  # the question whose items are the retro's learnings (1-based)
    anonymous: bool

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(f"q{number}" for number in range(1, self.questions + 1))

    def question(self, t: Translator, question_id: str) -> str:
        return t(f"retros.templates.{self.name}.{question_id}")

    def title(self, t: Translator) -> str:
        return t(f"retros.templates.{self.name}.title")


def load_templates(directory: Path = CATALOG_DIRECTORY) -> dict[str, Template]:
    with (directory / "templates.toml").open("rb") as file:
        data = tomllib.load(file)
    templates = {
        name: Template(name, int(shape["questions"]), int(shape["learnings"]), bool(shape["anonymous"]))
        for name, shape in data.items()
    }
    if any(not 1 <= template.questions <= MAX_QUESTIONS for template in templates.values()):
        raise ValueError(f"a retro template asks 1 to {MAX_QUESTIONS} questions")
    return templates


TEMPLATES = load_templates()
QUESTION_IDS = tuple(f"q{number}" for number in range(1, MAX_QUESTIONS + 1))


def items_of(answer: object) -> list[str]:
    """The items of one answer field: one a line, blank lines dropped."""
    if not isinstance(answer, str):
        return []
    return [line.strip(" -•*\t") for line in answer.splitlines() if line.strip(" -•*\t")]
