"""Claiming rows when several dispatchers share one database.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` lets replicas take disjoint rows without waiting. SQLite has one
writer at a time: taking the write lock first (a no-op write) makes a read-then-write transaction serialise behind
the other writer instead of failing on a stale snapshot.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import Base

# Rows per executemany call (SQLAlchemy batches them into multi-row INSERTs).
_CHUNK = 1_000


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def take_write_lock(session: AsyncSession) -> None:
    """On SQLite, hold the database's write lock for the rest of the transaction; nothing elsewhere."""
    if not is_postgres(session):
        await session.execute(text("UPDATE nudge_schedules SET id = id WHERE 0 = 1"))


async def insert_ignore_many(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], conflict_columns: list[str]
) -> None:
    """Multi-row INSERT … ON CONFLICT DO NOTHING; all rows must have the same keys."""
    if not rows:
        return
    statement: Insert
    if is_postgres(session):
        statement = postgresql.insert(model).on_conflict_do_nothing(index_elements=conflict_columns)
    else:
        statement = sqlite.insert(model).on_conflict_do_nothing(index_elements=conflict_columns)
    for start in range(0, len(rows), _CHUNK):
        await session.execute(statement, rows[start : start + _CHUNK])
