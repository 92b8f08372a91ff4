"""Responses in an anonymous round: editable by their author while open, never traceable after close."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Window
from bot.conversations.responses import save_response
from bot.conversations.rounds import RoundPlan
from bot.conversations.tables import Response, Round
from bot.db.models import Member, Tenant
from bot.nudges.kind import KIND
from bot.turn import UsageError
from tests.support import say


async def test_anonymous_answers_are_editable_until_close_then_unlinkable(app: App, clock: ManualClock) -> None:
    await say(app.bot, "hello", who="anna")
    await say(app.bot, "hello", who="bo")
    async with app.sessions() as session:
        tenant = (await session.scalars(select(Tenant))).one()
        members = {m.platform_user_id: m.id for m in await session.scalars(select(Member))}
        plan = RoundPlan(
            kind=KIND,
            tenant_id=tenant.id,
            audience=Audience.pair(members["U-anna"], members["U-bo"]),
            due_at=clock.now(),
            window=Window(timedelta(hours=1)),
            anonymous=True,
        )
        round = await app.conversations.open_round(session, plan)
        await save_response(session, round, members["U-anna"], {"answer": "first"}, clock.now())
        await save_response(session, round, members["U-anna"], {"answer": "edited"}, clock.now())  # her own
        await save_response(session, round, members["U-bo"], {"answer": "his"}, clock.now())
        await session.commit()
        round_id = round.id
    async with app.sessions() as session:
        rows = (await session.scalars(select(Response).order_by(Response.id))).all()
    assert [row.answers["answer"] for row in rows] == ["edited", "his"]
    assert all(row.member_id is None for row in rows)
    assert not any(row.respondent in {f"m{member}" for member in members.values()} for row in rows)
    clock.advance(timedelta(hours=1, minutes=1))
    await app.conversations.tick()
    async with app.sessions() as session:
        closed = await session.get_one(Round, round_id)
        assert (closed.state, closed.secret) == ("closed", None)  # the key that linked answers is gone
        with pytest.raises(UsageError):
            await save_response(session, closed, members["U-anna"], {"answer": "again"}, clock.now())
