"""Exactly-once processing of platform events: the first claim of an event id wins, retries are dropped."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import InboundEvent
from bot.db.upsert import insert_ignore

# Slack retries within about an hour; a day leaves room for long outages without keeping ids forever.
KEEP_FOR = timedelta(days=1)


async def claim(sessions: async_sessionmaker[AsyncSession], platform: str, event_id: str, now: datetime) -> bool:
    """True the first time `event_id` is seen on `platform`; False for every repeat."""
    async with sessions() as session:
        inserted = await insert_ignore(
            session,
            InboundEvent,
            {"platform": platform, "event_id": event_id, "received_at": now},
            ["platform", "event_id"],
        )
        await session.commit()
    return inserted


async def forget_before(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Drop claims older than KEEP_FOR; returns how many."""
    async with sessions() as session:
        result = await session.execute(delete(InboundEvent).where(InboundEvent.received_at < now - KEEP_FOR))
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
