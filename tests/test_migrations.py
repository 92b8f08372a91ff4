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


async def test_roles_upgrade_keeps_members_and_marks_existing_managers_as_from_the_platform(tmp_path: object) -> None:
    """A database written by the previous release (revision 0003) upgrades in place, keeping every member."""
    from sqlalchemy import text

    if on_postgres():
        from tests.conftest import POSTGRES_URL as url
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/previous.db"
    engine = create_engine(url)
    try:
        if on_postgres():
            await downgrade(engine, "base")
        await upgrade(engine, "0003")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO tenants (id, platform, external_id, language, timezone, created_at) "
                    "VALUES (1, 'slack', 'T1', 'da', 'Europe/Copenhagen', CURRENT_TIMESTAMP), "
                    "(2, 'console', 'local', 'en', 'Europe/Copenhagen', CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO members (id, tenant_id, platform_user_id, display_name, language, role, created_at) "
                    "VALUES (1, 1, 'U1', 'Sofie', 'da', 'manager', CURRENT_TIMESTAMP), "
                    "(2, 1, 'U2', 'Bo', NULL, 'member', CURRENT_TIMESTAMP), "
                    "(3, 2, 'anna', 'Anna', NULL, 'member', CURRENT_TIMESTAMP), "
                    "(4, 2, 'bo', 'Bo', NULL, 'member', CURRENT_TIMESTAMP)"
                )
            )
        await upgrade(engine)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT platform_user_id, display_name, language, role, role_source FROM members ORDER BY id")
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            ("U1", "Sofie", "da", "manager", "platform"),
            ("U2", "Bo", None, "member", None),
            ("anna", "Anna", None, "admin", "granted"),
            ("bo", "Bo", None, "member", None),
        ]
        if on_postgres():  # leave the shared database as the other tests expect it: empty, at head
            async with engine.begin() as connection:
                await connection.execute(text("TRUNCATE members, tenants RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


async def test_scorecard_indexes_upgrade_a_populated_database_in_place(tmp_path: object) -> None:
    """A database at the previous release's head (0009) with deliveries and learnings gets the scorecard's
    indexes (0013) and keeps every row."""
    from sqlalchemy import text

    if on_postgres():
        from tests.conftest import POSTGRES_URL as url
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/previous.db"
    engine = create_engine(url)
    try:
        if on_postgres():
            await downgrade(engine, "base")
        await upgrade(engine, "0009")
        async with engine.begin() as connection:
            for statement in (
                "INSERT INTO tenants (id, platform, external_id, language, timezone, created_at) "
                "VALUES (1, 'slack', 'T1', 'da', 'Europe/Copenhagen', CURRENT_TIMESTAMP)",
                "INSERT INTO members (id, tenant_id, platform_user_id, role, created_at) "
                "VALUES (1, 1, 'U1', 'member', CURRENT_TIMESTAMP)",
                "INSERT INTO learnings (id, tenant_id, member_id, text, language, created_at, private) "
                "VALUES (1, 1, 1, 'Small batches', 'en', CURRENT_TIMESTAMP, false)",
                "INSERT INTO conversation_rounds (id, kind, tenant_id, due_at, closes_at, state, summary, anonymous, "
                "context, created_at) VALUES (1, 'nudge', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'closed', false, "
                "false, '{}', CURRENT_TIMESTAMP)",
                "INSERT INTO conversation_deliveries (id, idempotency_key, purpose, tenant_id, round_id, member_id, "
                "due_at, state, not_before, attempts, created_at) VALUES (1, 'k1', 'invitation', 1, 1, 1, "
                "CURRENT_TIMESTAMP, 'sent', CURRENT_TIMESTAMP, 1, CURRENT_TIMESTAMP)",
            ):
                await connection.execute(text(statement))
        await upgrade(engine)
        async with engine.connect() as connection:
            kept = [
                (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                for table in ("learnings", "conversation_deliveries")
            ]

            def index_names(sync: Connection) -> set[str]:
                found = inspect(sync)
                return {
                    index["name"] or ""
                    for table in ("learnings", "conversation_deliveries")
                    for index in found.get_indexes(table)
                }

            names = await connection.run_sync(index_names)
        assert kept == [1, 1]
        assert {"ix_learnings_member_created", "ix_conversation_deliveries_member_purpose_state"} <= names
        if on_postgres():
            async with engine.begin() as connection:
                await connection.execute(text("TRUNCATE members, tenants RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()
