"""Circles' personal data: export holds the member's opt-ins, their own avoid list (not others' lists naming them),
their groups and those groups' meetings; forget me leaves no row naming them anywhere (the schema walk), while
the circle, its groups and its meetings keep counting."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from adapters.app import App
from bot.circles.tables import CircleGroup, CircleMeeting
from bot.clock import ManualClock
from bot.db.models import Member
from bot.privacy.contract import ErasePolicy
from tests.mentoring.terminal import Terminal
from tests.privacy_support import dump, traces


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def test_export_and_forget_me_cover_the_circles(app: App, clock: ManualClock) -> None:
    clock.set(utc(23, 7))
    term = Terminal(app, clock)
    steps = ["hello", "circle start", "circle join"]
    for name in ("Bo", "Cai", "Dan"):
        steps += [f":as {name}", "circle join"]
    steps += [":as Cai", "circle avoid @Bo", ":as Bo", "circle avoid @Dan"]
    steps += [term.at(utc(24, 8), "draw"), term.at(utc(24, 8, 1), "drawn"), term.at(utc(6, 9, month=12), "closed")]
    await term.run(steps)

    async with app.sessions() as session:
        bo = (await session.scalars(select(Member).where(Member.display_name == "Bo"))).one()
        tables, _ = await app.bot.personal_data.export(session, bo)
    assert [row["member_id"] for row in tables["circle_members"]] == [bo.id]
    # His own avoid list only, not Cai's that names him: that is Cai's choice.
    assert [row["member_id"] for row in tables["circle_avoids"]] == [bo.id]
    assert len(tables["circle_groups"]) == 1 and len(tables["circle_group_members"]) == 1
    assert len(tables["circle_meetings"]) >= 1

    before = await dump(app)
    assert any(problem.startswith("circle_") for problem in traces(before, bo.id, bo.platform_user_id, "Bo"))
    async with app.sessions() as session:
        groups = await session.scalar(select(func.count()).select_from(CircleGroup))
        meetings = await session.scalar(select(func.count()).select_from(CircleMeeting))
        member = await session.get_one(Member, bo.id)
        await app.bot.personal_data.erase(session, member, ErasePolicy())
        await session.commit()
    assert traces(await dump(app), bo.id, bo.platform_user_id, "Bo") == []
    async with app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CircleGroup)) == groups
        assert await session.scalar(select(func.count()).select_from(CircleMeeting)) == meetings
