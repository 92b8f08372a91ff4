"""Alembic driven from code: `learnbot db …` and the automatic SQLite upgrade on start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations

# Any constant works; it only has to be the same for every replica racing to migrate the same database.
_PG_MIGRATION_LOCK = 7_146_055_031


# Full-text search is built per dialect in raw SQL (FTS5 tables on SQLite, a generated tsvector column on
# PostgreSQL); the models do not describe it, so autogenerate must not try to drop it.
_SEARCH_TABLES = ("learnings_fts",)
_SEARCH_COLUMNS = {"search_vector"}
_SEARCH_INDEXES = {"ix_learnings_search_vector"}


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic filter: everything but the full-text search objects."""
    if type_ == "table" and name is not None and name.startswith(_SEARCH_TABLES):
        return False
    if type_ == "index" and name in _SEARCH_INDEXES:
        return False
    return not (type_ == "column" and name in _SEARCH_COLUMNS)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision`. On PostgreSQL an advisory lock keeps replicas from racing."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()
