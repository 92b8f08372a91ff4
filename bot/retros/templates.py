"""Retro templates as data: the built-in ones' shape in prompts/retros/templates.toml and their words in the
language files; a team's own (`retro template add`) in the retro_templates table, in the team's own words."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.catalog import Translator

CATALOG_DIRECTORY = Path(__file__).resolve().parents[2] / "prompts" / "retros"
MAX_QUESTIONS = 6


@dataclass(frozen=True)
class Template:
    name: str
    questions: int
    learnings: int  # the question whose items are the retro's learnings (1-based)
    anonymous: bool
    texts: tuple[str, ...] = ()  # a team's own template's questions; built-in ones are worded by the catalog

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(f"q{number}" for number in range(1, self.questions + 1))

    def question(self, t: Translator, question_id: str) -> str:
        if self.texts:
            return self.texts[int(question_id[1:]) - 1]
        return t(f"retros.templates.{self.name}.{question_id}")

    def title(self, t: Translator) -> str:
        return (
            self.name.replace("-", " ").replace("_", " ").capitalize()
            if self.texts
            else t(f"retros.templates.{self.name}.title")
        )


def own(name: str, questions: Sequence[str], anonymous: bool = False) -> Template:
    """A team's own template: its questions as written; the last one holds the learnings."""
    return Template(name, len(questions), len(questions), anonymous, tuple(questions))


def template_of(name: str, questions: Sequence[str] | None) -> Template:
    """The template a retro (or its round) asks: its own questions when it has them, else the built-in one."""
    return own(name, questions) if questions else TEMPLATES[name]


def round_template(context: Mapping[str, Any]) -> Template:
    """The template of a retro's round, from the round's context."""
    return template_of(str(context["template"]), context.get("questions"))


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
