"""Helpers for the kudos, `my stats` and digest tests: a team in one channel, and mentions as platforms send them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.app import App
from bot.conversations.tables import Response, Round, Series
from bot.db.models import Member
from bot.learning.tables import Learning
from bot.model import Mention, OutboundMessage
from bot.ports import Capabilities
from tests.support import ROOM, RecordingAdapter, say, user

TEAM = ("anna", "bo", "cy", "dan", "eva", "finn")


def mention(name: str) -> Mention:
    return Mention(user(name), f"@{name.capitalize()}")


async def command(app: App, text: str, who: str = "anna", *mentioned: str, **extra: object) -> list[OutboundMessage]:
    return await say(app.bot, text, who, mentions=tuple(mention(name) for name in mentioned), **extra)


async def team_in_room(app: App) -> RecordingAdapter:
    """Six colleagues who all spoke in the room (so the room knows them); Anna, the first, is the team's admin."""
    adapter = RecordingAdapter(capabilities=Capabilities(first_member_is_admin=True))
    app.notifier.register(adapter)
    for name in TEAM:
        await say(app.bot, "help", name)
    adapter.sent.clear()
    return adapter


async def used_it(session: AsyncSession, member: Member, learning: Learning, asked_at: datetime, now: datetime) -> None:
    """`member` answered "yes" at `asked_at` to "did you use it?" about `learning`: its resurfacing series, a closed
    round and the response, as the resurfacing kind writes them."""
    series = Series(
        kind="resurface",
        tenant_id=member.tenant_id,
        owner_member_id=member.id,
        subject=f"learning:{learning.id}",
        audience="member",
        audience_member_ids=[member.id],
        window_seconds=3600,
        created_at=now,
    )
    session.add(series)
    await session.flush()
    asked = Round(
        kind="resurface",
        series_id=series.id,
        tenant_id=member.tenant_id,
        due_at=asked_at,
        closes_at=now,
        state="closed",
        created_at=asked_at,
    )
    session.add(asked)
    await session.flush()
    session.add(
        Response(
            round_id=asked.id,
            respondent=f"m{member.id}",
            member_id=member.id,
            answers={"outcome": "yes"},
            created_at=asked_at,
            updated_at=asked_at,
        )
    )


__all__ = ["ROOM", "TEAM", "command", "mention", "team_in_room", "used_it"]
