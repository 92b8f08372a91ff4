"""Migrations: upgrade from empty, no drift against the models, and a clean downgrade."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from bot.db.engine import create_engine
from bot.db.migrate import current_revision, downgrade, head_revision, include_name, upgrade
from migrations.metadata import target_metadata
from tests.conftest import on_postgres


def _diff(connection: Connection) -> list[object]:
    metadata = target_metadata()
    context = MigrationContext.configure(
        connection, opts={"include_name": include_name, "compare_type": True, "target_metadata": metadata}
    )
    return list(compare_metadata(context, metadata))


async def test_migrated_database_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await current_revision(engine) == head_revision(database_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_upgrade_from_empty_and_downgrade_to_base(tmp_path: object) -> None:
    if on_postgres():
        # On PostgreSQL the session database is shared; a round trip through base and back proves the same.
        from tests.conftest import POSTGRES_URL as url
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
    engine = create_engine(url)
    try:
        await downgrade(engine, "base")
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert tables <= {"alembic_version"}
        await upgrade(engine)
        assert await current_revision(engine) == head_revision(url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()
