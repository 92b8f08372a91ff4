"""Helpers for the scorecard's platform tests: a manager with half a year of activity around their channel, and
a check that a chart PNG is a real picture."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from adapters.app import App
from bot.db.models import Conversation, Member
from tests.scorecard.seed import seed


async def seed_behind(app: App, platform_user_id: str, conversation_id: str) -> None:
    """Make the member who just spoke a manager, with half a year of activity around their channel."""
    async with app.sessions() as session:
        member = await session.scalar(select(Member).where(Member.platform_user_id == platform_user_id))
        room = await session.scalar(
            select(Conversation).where(Conversation.platform_conversation_id == conversation_id)
        )
        assert member is not None and room is not None
        member.role = "manager"
        await seed(session, member.tenant_id, room.id, member.id, app.clock.now())
        await session.commit()


def assert_chart(png: bytes) -> None:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (800, 450)
        low, high = image.convert("L").getextrema()
        assert high - low > 100  # bars and text on white, not a blank canvas
