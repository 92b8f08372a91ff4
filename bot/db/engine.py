"""Engine and session factory, created by the composition root and passed down."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.db.stemming import register_sqlite_functions


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        # One writer at a time is SQLite's model; wait for the lock instead of failing with "database is locked".
        kwargs.setdefault("connect_args", {"timeout": 30})
    elif url.startswith("postgresql+asyncpg"):
        # No JIT: learnbot's queries are short lookups, and a plan costed high on stale statistics (right after
        # an import of many members, before autovacuum's ANALYZE) spent 140 ms compiling each audience query of a
        # 100-workspace fan-out, 14 s before its first send.
        kwargs.setdefault("connect_args", {"server_settings": {"jit": "off"}})
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL with NORMAL: a commit survives the process being killed (only an OS crash may lose the last ones), and
    # does not wait for fsync, which the conversation engine's per-send recording would otherwise pay each time.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # The full-text triggers stem in Python (SQLite has no Danish or Swedish stemmer of its own).
    register_sqlite_functions(dbapi_connection)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
