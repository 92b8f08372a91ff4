"""Claiming rows when several dispatchers share one database.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` lets replicas take disjoint rows without waiting. SQLite has one
writer at a time: taking the write lock first (a no-op write) makes a read-then-write transaction serialise behind
the other writer instead of failing on a stale snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.base import Base

# Rows per executemany call (SQLAlchemy batches them into multi-row INSERTs).
_CHUNK = 1_000
# Rows per PostgreSQL unnest() insert: one statement, one parameter per column.
_ARRAY_CHUNK = 5_000


class WriteTurns:
    """Sessions for writing transactions that take turns within this process on SQLite.

    SQLite has one writer at a time and a waiting writer polls with growing sleeps (up to 100 ms), so a planner
    committing chunk after chunk would starve the delivery pass beside it. In one process the writers queue in
    order instead. PostgreSQL locks rows, not the database: there the turns are a no-op.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        bind = sessions.kw.get("bind")
        self._lock = asyncio.Lock() if bind is None or bind.dialect.name != "postgresql" else None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """This process's turn to write, for a session the caller holds."""
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        if self._lock is None:
            async with self._sessions() as session:
                yield session
            return
        async with self._lock, self._sessions() as session:
            yield session


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def take_write_lock(session: AsyncSession) -> None:
    """On SQLite, hold the database's write lock for the rest of the transaction; nothing elsewhere."""
    if not is_postgres(session):
        await session.execute(text("UPDATE conversation_series SET id = id WHERE 0 = 1"))


async def insert_ignore_many(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], conflict_columns: list[str]
) -> None:
    """Multi-row INSERT … ON CONFLICT DO NOTHING; all rows must have the same keys."""
    if not rows:
        return
    if is_postgres(session):
        await _insert_unnest(session, model, rows, conflict_columns)
        return
    # Core, not the ORM's bulk insert: the rows are plain dicts already.
    statement = sqlite.insert(cast(Table, model.__table__)).on_conflict_do_nothing(index_elements=conflict_columns)
    for start in range(0, len(rows), _CHUNK):
        await session.execute(statement, rows[start : start + _CHUNK])


async def _insert_unnest(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], conflict_columns: list[str]
) -> None:
    """PostgreSQL: one `INSERT … SELECT FROM unnest(<one array per column>)` per chunk. A fan-out inserts
    thousands of rows; one statement instead of one per row saves most of the server's and the driver's work."""
    table = cast(Table, model.__table__)
    names = list(rows[0])
    for start in range(0, len(rows), _ARRAY_CHUNK):
        chunk = rows[start : start + _ARRAY_CHUNK]
        arrays = [
            sql_cast(
                bindparam(f"u_{name}", [row[name] for row in chunk], type_=ARRAY(table.c[name].type)),
                ARRAY(table.c[name].type),
            )
            for name in names
        ]
        source = func.unnest(*arrays).table_valued(*names).render_derived()
        statement = (
            postgresql.insert(table)
            .from_select(names, select(*(source.c[name] for name in names)))
            .on_conflict_do_nothing(index_elements=conflict_columns)
        )
        await session.execute(statement)
