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


async def test_circles_upgrade_keeps_mentoring_data_and_adds_empty_circle_tables(tmp_path: object) -> None:
    """A database of the previous release (revision 0009: mentoring, no circles) upgrades in place: its members,
    conversations, pairs and meetings stay, and the circle tables arrive empty and usable with them."""
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
                "INSERT INTO members (id, tenant_id, platform_user_id, display_name, role, created_at) "
                "VALUES (1, 1, 'U1', 'Sofie', 'manager', CURRENT_TIMESTAMP), "
                "(2, 1, 'U2', 'Bo', 'member', CURRENT_TIMESTAMP)",
                "INSERT INTO conversations (id, tenant_id, platform_conversation_id, kind, name, reference, "
                "created_at) VALUES (1, 1, 'C1', 'channel', 'learning', '{}', CURRENT_TIMESTAMP)",
                "INSERT INTO mentor_pairs (id, tenant_id, mentor_member_id, mentee_member_id, cadence, state, "
                "created_at) VALUES (1, 1, 1, 2, 'weekly', 'active', CURRENT_TIMESTAMP)",
                "INSERT INTO mentor_meetings (id, pair_id, due_at, met, follow_up, answered) "
                "VALUES (1, 1, CURRENT_TIMESTAMP, true, false, 2)",
            ):
                await connection.execute(text(statement))
        await upgrade(engine)
        async with engine.begin() as connection:
            pairs = (
                await connection.execute(text("SELECT mentor_member_id, mentee_member_id FROM mentor_pairs"))
            ).all()
            meetings = (await connection.execute(text("SELECT pair_id, met, answered FROM mentor_meetings"))).all()
            assert [tuple(row) for row in pairs] == [(1, 2)]
            assert [tuple(row) for row in meetings] == [(1, True, 2)]
            for table in ("circles", "circle_members", "circle_avoids", "circle_groups", "circle_meetings"):
                assert (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar() == 0
            await connection.execute(
                text(
                    "INSERT INTO circles (id, tenant_id, conversation_id, every_weeks, size, state, created_at) "
                    "VALUES (1, 1, 1, 2, 3, 'active', CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text("INSERT INTO circle_members (circle_id, member_id, joined_at) VALUES (1, 2, CURRENT_TIMESTAMP)")
            )
            joined = (await connection.execute(text("SELECT member_id FROM circle_members"))).scalars().all()
            assert joined == [2]
        if on_postgres():
            async with engine.begin() as connection:
                await connection.execute(text("TRUNCATE members, tenants RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()
