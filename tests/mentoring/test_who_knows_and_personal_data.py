"""`who knows` ranks by recent relevant learnings and never shows who opted out; mentoring's export holds the
member's pairs and its erase leaves no member id behind while meetings keep counting."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.db.models import Member, Tenant
from bot.mentoring import personal_data
from bot.mentoring.tables import MentorMeeting, MentorPair
from bot.privacy.contract import ErasePolicy
from tests.mentoring.terminal import Terminal


async def _log(app: App, clock: ManualClock, name: str, text: str, days_ago: int) -> None:
    async with app.sessions() as session:
        member = (await session.scalars(select(Member).where(Member.display_name == name))).one()
        tenant = (await session.scalars(select(Tenant))).one()
        await app.learning_log.add(
            session,
            tenant_id=tenant.id,
            member_id=member.id,
            conversation_id=None,
            text=text,
            language="en",
            now=clock.now() - timedelta(days=days_ago),
        )
        await session.commit()


async def test_who_knows_ranks_recent_relevant_learnings_first(app: App, clock: ManualClock) -> None:
    term = Terminal(app, clock)
    await term.run(["hello", ":as Bo", "hello", ":as Cai", "hello", ":as Dan", "hello", "mentor suggest off"])
    for days in (400, 410, 420):
        await _log(app, clock, "Bo", "Upgraded our #kubernetes cluster", days)  # more, but long ago
    for days in (3, 10):
        await _log(app, clock, "Cai", "Kubernetes probes restart stuck pods", days)
    await _log(app, clock, "Dan", "Kubernetes operators explained", 1)  # opted out of being suggested
    await _log(app, clock, "Anna", "Kubernetes namespaces", 1)  # the one asking
    await term.run([":as Anna", term.mark("ask"), "who knows kubernetes"])
    answer = term.between("ask")
    assert "1. Cai: 2 learnings" in answer and "2. Bo: 3 learnings" in answer
    assert "Dan" not in answer.split("who knows kubernetes", 1)[1]
    assert "Anna:" not in answer


async def test_export_and_erase_cover_the_pairs(app: App, clock: ManualClock) -> None:
    term = Terminal(app, clock)
    await term.run(["hello", "mentor pair @Bo @Cai weekly goal Deploys", ":as Bo", "mentor suggest off"])
    async with app.sessions() as session:
        bo = (await session.scalars(select(Member).where(Member.display_name == "Bo"))).one()
        pair = (await session.scalars(select(MentorPair))).one()
        session.add(MentorMeeting(pair_id=pair.id, due_at=clock.now(), met=True, follow_up=False, answered=2))
        await session.flush()
        exported = await personal_data.export(session, bo)
        assert [p["suggestable"] for p in exported["mentoring_preferences"]] == [False]
        assert [(p["mentor_member_id"], p["goal"]) for p in exported["mentor_pairs"]] == [(bo.id, "Deploys")]
        assert len(exported["mentor_meetings"]) == 1
        await personal_data.erase(session, bo, ErasePolicy())
        await session.commit()
    async with app.sessions() as session:
        pair = (await session.scalars(select(MentorPair))).one()
        assert pair.mentor_member_id is None and pair.goal is None and pair.state == "ended"
        assert (await session.scalars(select(MentorMeeting))).one().met is True  # still counts
        assert (await personal_data.export(session, bo))["mentor_pairs"] == []


async def test_goals_export_and_erase(app: App, clock: ManualClock) -> None:
    from bot.goals import personal_data as goal_data

    term = Terminal(app, clock)
    await term.run(["hello", "goal add Learn Rust by 2027-01-29"])
    async with app.sessions() as session:
        anna = (await session.scalars(select(Member).where(Member.display_name == "Anna"))).one()
        assert [goal["text"] for goal in (await goal_data.export(session, anna))["learning_goals"]] == ["Learn Rust"]
        await goal_data.erase(session, anna, ErasePolicy())
        await session.commit()
        assert (await goal_data.export(session, anna))["learning_goals"] == []
