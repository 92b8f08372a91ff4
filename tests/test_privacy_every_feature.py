"""The acceptance of export me and forget me over every feature at once, in the terminal as a member would use
it: Zelda logs learnings (one private), sets a goal, opts out of mentor suggestions, adds a personal nudge and
answers it, answers a retro and owns its action item, is in a mentor pair and answers its check-in, is a new
hire's buddy, joins a learning circle (and does not want to meet Eve), and gives and gets kudos. Her export holds
every row that the schema walk finds naming her; after forget me no table holds her id, platform id or name, and
the team's counts stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.kinds import ANSWER_ACTION
from bot.conversations.tables import Delivery, Response, Round
from bot.db.models import Member, Tenant
from bot.goals.tables import LearningGoal
from bot.learning.importing import TeamNotFound, find_member
from bot.learning.tables import Learning
from bot.mentoring.checkin import KIND as CHECKIN
from bot.mentoring.tables import MentorMeeting, MentorPair
from bot.privacy.json_members import undeclared
from bot.privacy.rows import FORMER_COLLEAGUE_ID
from bot.programmes.tables import ProgrammeRun
from bot.retros.tables import Retro, RetroAction, RetroItem
from migrations.metadata import target_metadata
from tests.privacy_support import dump, traces
from tests.retros.terminal_script import Session, Step
from tests.test_privacy_export import _keys

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Copenhagen
TEAM_COUNTS = {
    "learnings": Learning,
    "retros": Retro,
    "retro_items": RetroItem,
    "retro_actions": RetroAction,
    "mentor_pairs": MentorPair,
    "mentor_meetings": MentorMeeting,
    "programme_runs": ProgrammeRun,
    "conversation_rounds": Round,
    "conversation_responses": Response,
    "conversation_deliveries": Delivery,
}


def press_round(s: Session, kind: str, who: str) -> Step:
    """The Answer button of `who`'s invitation to the newest round of `kind` (other kinds talk meanwhile)."""

    async def step() -> str:
        async with s.app.sessions() as session:
            delivery = await session.scalar(
                select(Delivery.id)
                .join(Round, Round.id == Delivery.round_id)
                .join(Member, Member.id == Delivery.member_id)
                .where(Round.kind == kind, Delivery.purpose == "invitation", Member.platform_user_id == who[3:])
                .order_by(Delivery.id.desc())
            )
        for number, (button, sent) in sorted(s.adapter.buttons.items(), reverse=True):
            if button.action_id == ANSWER_ACTION and button.value == str(delivery) and sent.conversation.id == who:
                return str(number)
        raise AssertionError(f"no {kind} invitation for {who}")

    return step


async def team_counts(app: App) -> dict[str, int]:
    async with app.sessions() as session:
        return {
            name: await session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in TEAM_COUNTS.items()
        }


async def zelda_uses_everything(app: App, clock: ManualClock) -> Session:
    clock.set(START)
    s = Session(app, clock, START)
    steps: list[Step] = ["hello"]  # Anna, the terminal team's first member, is its admin
    for name in ("Bo", "Cy", "Di", "Eve", "Zelda"):
        steps += [f":as {name}", "hello"]
    steps += [
        "learned Canary releases catch bad builds early #deploy",
        "learned --private Reviews make me nervous less often",
        "goal add Learn Terraform modules by 2026-12-18 shared",
        "mentor suggest off",
        ":as Anna",
        "mentor pair @Zelda @Bo weekly goal Learn the deploy pipeline",
        "onboard @Cy buddy @Zelda starts 2026-12-23",
        "circle start every 2 weeks size 2",
        "kudos @Zelda for the canary idea",
        ":as Zelda",
        "circle join",
        "circle avoid @Eve",
        "kudos @Bo for the pairing",
        ":as Anna",
        "retro start for 1h title Q3",
        s.at(timedelta(0)),
        ":as Zelda",
        press_round(s, "retro", "dm-zelda"),
        "Pairing helped",
        ".",
        "Deploys are slow",
        ".",
        "Smaller pull requests",
        ".",
        ":as Bo",
        press_round(s, "retro", "dm-bo"),
        "Good focus time",
        ".",
        "-",
        ".",
        "Feature flags",
        ".",
        ":as Anna",
        "retro action Write the runbook @Zelda by 2026-12-04",
        s.at(timedelta(hours=2)),  # collect closes, the vote runs and closes
        s.at(timedelta(hours=3)),
        s.at(timedelta(days=7)),  # the pair's first check-in, 10:00 in Copenhagen
        ":as Zelda",
        press_round(s, CHECKIN, "dm-zelda"),
        "1",  # met: yes
        "The deploy pipeline",
        ".",
        "Canary releases",
        ".",
        s.at(timedelta(days=10)),  # the check-in closes: a meeting is recorded
        "nudge add weekdays 09:00 me",
        s.at(timedelta(days=10, hours=23, minutes=30)),  # Friday 09:00 in Copenhagen
        press_round(s, "nudge", "dm-zelda"),
        "Asking early saves a day",
        ".",
        "streak",
    ]
    await s.run(steps)
    return s


def _mentioning(tables: dict[str, list[dict[str, Any]]], member_id: int) -> dict[str, list[dict[str, Any]]]:
    return {
        table: [row for row in rows if traces({table: [row]}, member_id, "zelda", "Zelda")]
        for table, rows in tables.items()
    }


async def test_export_then_forget_over_every_feature(app: App, clock: ManualClock) -> None:
    s = await zelda_uses_everything(app, clock)
    async with app.sessions() as session:
        zelda = (await session.scalars(select(Member).where(Member.platform_user_id == "zelda"))).one()
        assert (await session.scalars(select(MentorMeeting))).one().met  # the check-in was answered
        assert (await session.scalars(select(LearningGoal))).one().member_id == zelda.id
    tables = await dump(app)
    mentioning = _mentioning(tables, zelda.id)
    named = {table for table, rows in mentioning.items() if rows}
    # She is everywhere the features put her: the checks below are not vacuous.
    assert named >= {
        "members",
        "member_settings",
        "learnings",
        "learning_goals",
        "mentoring_preferences",
        "mentor_pairs",
        "programme_runs",
        "retro_actions",
        "conversation_series",
        "conversation_deliveries",
        "conversation_responses",
        "conversation_members",
        "conversations",
        "kudos",
        "circle_members",
        "circle_avoids",
    }, named
    # No JSON anywhere names a member where no contract declared it.
    declared, whole = app.bot.personal_data.json_members(), app.bot.personal_data.covered()
    for table, rows in tables.items():
        for row in rows:
            for column, value in row.items():
                # Columns a contract covers as a whole (an answer's text, a platform reference) are its business.
                if isinstance(value, dict | list) and column not in whole.get(table, set()):
                    assert undeclared(table, column, row.get("kind"), value, declared) == [], (table, row)

    # Export me holds every one of those rows, and her words from each feature.
    await s.run([":as Zelda", s.mark("export"), "export me"])
    [path] = s.adapter.saved_files
    document = json.loads(path.read_text(encoding="utf-8"))
    for table, rows in mentioning.items():
        assert _keys(table, rows) <= _keys(table, document["tables"].get(table, [])), table
    text = json.dumps(document, ensure_ascii=False)
    for words in (
        "Canary releases catch bad builds early",
        "Reviews make me nervous",
        "Learn Terraform modules",
        "Learn the deploy pipeline",
        "Write the runbook",
        "Pairing helped",
        "Asking early saves a day",
        "The deploy pipeline",
        "the canary idea",
        "the pairing",
    ):
        assert words in text, words
    assert "Good focus time" not in text and "Feature flags" not in text  # Bo's retro answer is his

    before = await team_counts(app)
    await s.run([":as Zelda", "forget me", s.press("privacy.forget:keep")])
    after_tables = await dump(app)
    assert traces(after_tables, zelda.id, "zelda", "Zelda") == []
    # The team's counts stay; her private learning goes, her shared one stays without author.
    assert await team_counts(app) == {**before, "learnings": before["learnings"] - 1}
    [stand_in] = [row["id"] for row in after_tables["members"] if row["platform_user_id"] == FORMER_COLLEAGUE_ID]
    kept = [row["text"] for row in after_tables["learnings"] if row["member_id"] == stand_in]
    assert kept == ["Canary releases catch bad builds early #deploy"]
    # Her goal is gone, the pair and the buddy role stay without her, her answers without text or name.
    assert after_tables["learning_goals"] == []
    [pair] = after_tables["mentor_pairs"]
    assert pair["mentor_member_id"] is None and pair["state"] == "ended" and pair["goal"] is None
    [run] = after_tables["programme_runs"]
    assert run["buddy_member_id"] is None and run["newhire_member_id"] is not None
    forgotten = "\n".join(json.dumps(row, default=str) for rows in after_tables.values() for row in rows)
    for words in ("Asking early saves a day", "Learn Terraform", "Reviews make me nervous", "The deploy pipeline"):
        assert words not in forgotten, words
    # The retro's items are the team's, grouped and authorless from the start: they stay.
    assert "Pairing helped" in [row["text"] for row in after_tables["retro_items"]]
    # The stand-in author of kept learnings is nobody: not suggested, not found by name, not a member to export.
    await s.run([":as Anna", s.mark("who"), "who knows canary", "learnings canary"])
    asked = s.between("who")
    assert "a former colleague" in asked.split("learnings canary", 1)[1]  # the kept learning says so
    assert "~former" not in asked and "1 learning" not in asked.split("learnings canary", 1)[0]
    async with app.sessions() as session:
        team = (await session.scalars(select(Tenant))).one()
        assert await app.bot.directory.find_by_name(session, team, FORMER_COLLEAGUE_ID) is None
        with pytest.raises(TeamNotFound):
            await find_member(session, team, FORMER_COLLEAGUE_ID)
    # The schema walk agrees with the export's own table list: no table the walk knows was missed by both.
    walked = {table.name for metadata in target_metadata() for table in metadata.sorted_tables}
    assert named <= walked
