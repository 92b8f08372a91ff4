"""Alembic environment: async, URL from learnbot's settings unless the caller passes a connection."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, pool

from bot.db.engine import create_engine
from bot.db.migrate import include_name
from bot.settings import Settings
from migrations.metadata import target_metadata as _target_metadata

config = context.config
# slack_sdk's OAuth installation/state tables live in their own MetaData (bot/ stays free of Slack).
target_metadata = _target_metadata()


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
