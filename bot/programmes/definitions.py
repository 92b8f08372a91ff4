"""Programmes as data: `prompts/programmes/<name>.toml`, each a list of steps on a day counted from the start
(day 1 is the start day), with questions per role (newhire, buddy, channel) in every language."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import prompts
from bot.catalog import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES

DIRECTORY = Path(prompts.__file__).parent / "programmes"
ROLES = ("newhire", "buddy", "channel")
MAX_QUESTIONS = 5


@dataclass(frozen=True)
class Step:
    day: int
    title: Mapping[str, str]
    questions: Mapping[str, Mapping[str, tuple[str, ...]]]  # role -> language -> questions
    # What the step shows beside its questions (`shows = "scorecard"`): an exhibit installed by another feature.
    shows: str | None = None

    @property
    def offset_days(self) -> int:
        return self.day - 1

    def title_in(self, language: str) -> str:
        return self.title.get(language) or self.title[FALLBACK_LANGUAGE]

    def questions_in(self, role: str, language: str) -> tuple[str, ...]:
        by_language = self.questions.get(role, {})
        return by_language.get(language) or by_language.get(FALLBACK_LANGUAGE, ())


@dataclass(frozen=True)
class Programme:
    name: str
    local_time: str
    steps: tuple[Step, ...]

    def roles(self) -> list[str]:
        return [role for role in ROLES if any(role in step.questions for step in self.steps)]


def _step(raw: Mapping[str, object], name: str) -> Step:
    day = raw["day"]
    if not isinstance(day, int) or day < 1:
        raise ValueError(f"programme {name!r}: a step's day is a number from 1")
    questions = {role: raw[role] for role in ROLES if role in raw}
    for role, by_language in questions.items():
        if not isinstance(by_language, Mapping) or set(by_language) != set(SUPPORTED_LANGUAGES):
            raise ValueError(f"programme {name!r} day {day}: {role} needs questions in {SUPPORTED_LANGUAGES}")
        if any(not 1 <= len(texts) <= MAX_QUESTIONS for texts in by_language.values()):
            raise ValueError(f"programme {name!r} day {day}: 1 to {MAX_QUESTIONS} questions per role")
    title = raw["title"]
    assert isinstance(title, Mapping)
    texts: dict[str, Mapping[str, tuple[str, ...]]] = {}
    for role, by_language in questions.items():
        assert isinstance(by_language, Mapping)
        texts[role] = {str(language): tuple(map(str, asked)) for language, asked in by_language.items()}
    shows = raw.get("shows")
    if shows is not None and not isinstance(shows, str):
        raise ValueError(f"programme {name!r} day {day}: shows names one exhibit")
    return Step(day, {str(k): str(v) for k, v in title.items()}, texts, shows)


def load_programmes(directory: Path = DIRECTORY) -> dict[str, Programme]:
    """Every programme file, checked: a broken file fails at start, not when its step is due."""
    found: dict[str, Programme] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as file:
            raw = tomllib.load(file)
        name = str(raw["name"])
        steps = tuple(sorted((_step(step, name) for step in raw["steps"]), key=lambda step: step.day))
        found[name] = Programme(name, str(raw.get("local_time", "09:00")), steps)
    return found
