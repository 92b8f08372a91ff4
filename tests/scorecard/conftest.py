"""The seeded world the scorecard's tests share: a manager in the room, 13 colleagues, half a year of activity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.app import App
from bot.db.models import Conversation, Member
from tests.scorecard.seed import World, seed
from tests.support import ROOM, say


async def _world(app: App) -> World:
    await say(app.bot, "help", who="boss")
    async with app.sessions() as session:
        boss = await session.scalar(select(Member).where(Member.platform_user_id == "U-boss"))
        room = await session.scalar(select(Conversation).where(Conversation.platform_conversation_id == ROOM.id))
        assert boss is not None and room is not None
        boss.role = "manager"
        world = await seed(session, boss.tenant_id, room.id, boss.id, app.clock.now())
        await session.commit()
    return world


@pytest.fixture
async def world(app: App) -> World:
    return await _world(app)
