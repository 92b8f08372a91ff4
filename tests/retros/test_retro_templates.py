"""A team's own retro template: a manager adds it (a member may not), it is listed with the built-in ones, a retro
starts from it and asks its questions, and removing or rewording it later leaves that retro as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.db.models import Member
from bot.privacy.contract import ErasePolicy
from bot.retros import personal_data
from bot.retros.own_templates import questions_of
from bot.retros.tables import Retro, RetroItem, RetroTemplate
from tests.retros.terminal_script import Session, Step

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SPRINT = "retro template add Sprint What did we ship? | What slowed us down? | What do we try next?"


async def test_a_teams_own_template_from_adding_to_summary(app: App, clock: ManualClock) -> None:
    clock.set(START)
    s = Session(app, clock, START)
    steps: list[Step] = ["hello", ":as Bo", "hello", s.mark("bo_adds"), SPRINT, ":as Anna", s.mark("anna_adds")]
    steps += [SPRINT, "retro template add classic Why?", s.mark("list"), "retro template", s.mark("start")]
    steps += ["retro start for 1h sprint title Sprint 7", s.at(timedelta(0)), s.mark("answer")]
    steps += [":as Bo", s.press("conversation.answer", conversation="dm-bo"), "The export", ".", "CI", ".", "Less WIP"]
    steps += [".", ":as Anna", s.mark("reword")]
    steps += ["retro template add sprint anonymous Only one question now?", "retro template remove sprint"]
    steps += [s.mark("summary"), s.at(timedelta(hours=1)), s.mark("start_again"), "retro start for 1h sprint"]
    steps += [s.mark("end")]
    await s.run(steps)

    assert "Only managers and admins" in s.between("bo_adds", "anna_adds")
    added = s.between("anna_adds", "list")
    assert "Template “sprint” added. Start it with: retro start sprint" in added
    assert "“classic” cannot name a template" in added  # a built-in name is taken
    listed = s.between("list", "start")
    assert "• classic — What went well?" in listed and "• sprint — What did we ship? · What slowed us down?" in listed
    card = s.between("start", "answer")
    assert "Retro: Sprint 7" in card and "• What slowed us down?" in card and "What went well?" not in card
    assert "What do we try next?" in s.between("answer", "reword")  # Bo's form asks the team's questions
    summary = s.between("summary", "start_again")
    assert "Retro summary: Sprint 7 (1 answered)" in summary and "*What slowed us down?*" in summary.replace("\n", "")
    assert "There is no template “sprint”" in s.between("start_again", "end")
    async with app.sessions() as session:
        retro = (await session.scalars(select(Retro))).one()
        assert (retro.template, retro.questions, retro.phase) == (
            "sprint",
            ["What did we ship?", "What slowed us down?", "What do we try next?"],
            "closed",
        )
        items = [(item.question, item.text) for item in await session.scalars(select(RetroItem))]
        assert sorted(items) == [("q1", "The export"), ("q2", "CI"), ("q3", "Less WIP")]
        assert await session.scalar(select(RetroTemplate.id)) is None


async def test_the_template_author_is_in_the_export_and_erased(app: App, clock: ManualClock) -> None:
    clock.set(START)
    s = Session(app, clock, START)
    await s.run(["hello", "retro template add ugens-retro anonym Hvad lærte vi? | Hvad ændrer vi?"])
    async with app.sessions() as session:
        anna = (await session.scalars(select(Member))).one()
        exported = await personal_data.export(session, anna)
        assert [(row["name"], row["questions"], row["anonymous"]) for row in exported["retro_templates"]] == [
            ("ugens-retro", ["Hvad lærte vi?", "Hvad ændrer vi?"], True)
        ]
        await personal_data.erase(session, anna, ErasePolicy(keep_shared_learnings=True))
        await session.commit()
        template = (await session.scalars(select(RetroTemplate))).one()
        assert template.created_by_member_id is None and template.name == "ugens-retro"  # the team's, kept


@pytest.mark.parametrize(
    ("text", "questions"),
    [
        ("A? | B? | C?", ["A?", "B?", "C?"]),
        ("  A? |  | B?  ", ["A?", "B?"]),
        ("A?\nB?", ["A?", "B?"]),
        ("|", []),
    ],
)
def test_questions_are_split_on_bars_or_lines(text: str, questions: list[str]) -> None:
    assert questions_of(text) == questions
