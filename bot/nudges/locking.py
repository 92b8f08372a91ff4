"""Claiming rows when several dispatchers share one database.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` lets replicas take disjoint rows without waiting. SQLite has one
writer at a time: taking the write lock first (a no-op write) makes a read-then-write transaction serialise behind
the other writer instead of failing on a stale snapshot.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def take_write_lock(session: AsyncSession) -> None:
    """On SQLite, hold the database's write lock for the rest of the transaction; nothing elsewhere."""
    if not is_postgres(session):
        await session.execute(text("UPDATE nudge_schedules SET id = id WHERE 0 = 1"))
