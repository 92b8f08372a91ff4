"""Alembic environment: async, URL from learnbot's settings unless the caller passes a connection."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import Connection, pool

from bot.db import models  # noqa: F401  (registers every table on Base.metadata)
from bot.db.base import Base
from bot.db.engine import create_engine
from bot.nudges import tables as nudge_tables  # noqa: F401
from bot.settings import Settings

config = context.config
target_metadata = Base.metadata

# Full-text search is built per dialect in raw SQL (FTS5 tables on SQLite, a generated tsvector column on
# PostgreSQL); the models do not describe it, so autogenerate must not try to drop it.
_SEARCH_TABLES = ("learnings_fts",)
_SEARCH_COLUMNS = {"search_vector"}
_SEARCH_INDEXES = {"ix_learnings_search_vector"}


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    if type_ == "table" and name is not None and name.startswith(_SEARCH_TABLES):
        return False
    if type_ == "index" and name in _SEARCH_INDEXES:
        return False
    return not (type_ == "column" and name in _SEARCH_COLUMNS)


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url") or Settings().database_url
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or Settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
elif (connection := config.attributes.get("connection")) is not None:
    run_migrations(connection)
else:
    asyncio.run(run_async_migrations())
