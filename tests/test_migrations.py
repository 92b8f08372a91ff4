"""Migrations: upgrade from empty, no drift against the models, and a clean downgrade."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

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


@contextlib.asynccontextmanager
async def _database_at(
    tmp_path: object, revision: str, *, empty: tuple[str, ...] = ("members", "tenants")
) -> AsyncIterator[AsyncEngine]:
    """A database written by an earlier release (migrated up to `revision` only), for an upgrade test to fill and
    upgrade. On PostgreSQL it is the session's shared database, left as the other tests expect it afterwards: at
    head, with the `empty` tables (and what cascades from them) emptied."""
    if on_postgres():
        from tests.conftest import POSTGRES_URL as url
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/previous.db"
    engine = create_engine(url)
    try:
        if on_postgres():
            await downgrade(engine, "base")
        await upgrade(engine, revision)
        yield engine
        if on_postgres():
            async with engine.begin() as connection:
                await connection.execute(text(f"TRUNCATE {', '.join(empty)} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


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
    async with _database_at(tmp_path, "0003") as engine:
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


async def test_kudos_upgrade_keeps_a_populated_database_and_takes_kudos(tmp_path: object) -> None:
    """A database at the previous release's head (0009) with members and learnings upgrades in place to 0014:
    everything stays, and kudos can refer to those members and learnings."""
    async with _database_at(tmp_path, "0009", empty=("kudos", "learnings", "members", "tenants")) as engine:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO tenants (id, platform, external_id, language, timezone, created_at) "
                    "VALUES (1, 'slack', 'T1', 'da', 'Europe/Copenhagen', CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO members (id, tenant_id, platform_user_id, display_name, role, created_at) "
                    "VALUES (1, 1, 'U1', 'Sofie', 'manager', CURRENT_TIMESTAMP), "
                    "(2, 1, 'U2', 'Bo', 'member', CURRENT_TIMESTAMP)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO learnings (id, tenant_id, member_id, text, language, created_at, private) "
                    "VALUES (1, 1, 2, 'Small PRs get reviewed faster', 'da', CURRENT_TIMESTAMP, false)"
                )
            )
        await upgrade(engine)
        assert await current_revision(engine) == head_revision(engine.url.render_as_string(hide_password=False))
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO kudos (tenant_id, giver_member_id, receiver_member_id, learning_id, source, "
                    "dedupe_key, created_at) VALUES (1, 1, 2, 1, 'button', 'learning:1:m1', CURRENT_TIMESTAMP)"
                )
            )
            members = (await connection.execute(text("SELECT display_name FROM members ORDER BY id"))).scalars().all()
            learnings = (await connection.execute(text("SELECT text FROM learnings"))).scalars().all()
            kudos = (await connection.execute(text("SELECT giver_member_id, receiver_member_id FROM kudos"))).all()
        assert members == ["Sofie", "Bo"] and learnings == ["Small PRs get reviewed faster"]
        assert [tuple(row) for row in kudos] == [(1, 2)]


async def test_retro_templates_upgrade_keeps_the_retros_of_the_previous_release(tmp_path: object) -> None:
    """A database at 0009 with a retro and its action item upgrades in place: the retro keeps its built-in
    template (no stored questions), and a team's own template can be stored next to it."""
    async with _database_at(tmp_path, "0009") as engine:
        async with engine.begin() as connection:
            for statement in (
                "INSERT INTO tenants (id, platform, external_id, language, timezone, created_at) "
                "VALUES (1, 'slack', 'T1', 'da', 'Europe/Copenhagen', CURRENT_TIMESTAMP)",
                "INSERT INTO members (id, tenant_id, platform_user_id, display_name, role, created_at) "
                "VALUES (1, 1, 'U1', 'Sofie', 'manager', CURRENT_TIMESTAMP)",
                "INSERT INTO conversations (id, tenant_id, platform_conversation_id, kind, name, reference, "
                "created_at) VALUES (1, 1, 'C1', 'channel', 'team', '{}', CURRENT_TIMESTAMP)",
                "INSERT INTO retros (id, tenant_id, conversation_id, starter_member_id, template, title, anonymous, "
                "votes_per_member, phase, answered, created_at) "
                "VALUES (1, 1, 1, 1, 'blameless', 'Outage', true, 5, 'closed', 4, CURRENT_TIMESTAMP)",
                "INSERT INTO retro_actions (id, tenant_id, conversation_id, retro_id, text, owner_member_id, "
                "created_at) VALUES (1, 1, 1, 1, 'Write the runbook', 1, CURRENT_TIMESTAMP)",
            ):
                await connection.execute(text(statement))
        await upgrade(engine)
        async with engine.begin() as connection:
            retro = (await connection.execute(text("SELECT template, title, questions, phase FROM retros"))).one()
            assert tuple(retro) == ("blameless", "Outage", None, "closed")
            action = await connection.scalar(text("SELECT text FROM retro_actions WHERE retro_id = 1"))
            assert action == "Write the runbook"
            await connection.execute(
                text(
                    "INSERT INTO retro_templates (tenant_id, name, questions, anonymous, created_by_member_id, "
                    "created_at) VALUES (1, 'sprint', '[\"Hvad lykkedes?\"]', false, 1, CURRENT_TIMESTAMP)"
                )
            )
            assert await connection.scalar(text("SELECT name FROM retro_templates")) == "sprint"


async def test_circles_upgrade_keeps_mentoring_data_and_adds_empty_circle_tables(tmp_path: object) -> None:
    """A database of the previous release (revision 0009: mentoring, no circles) upgrades in place: its members,
    conversations, pairs and meetings stay, and the circle tables arrive empty and usable with them."""
    async with _database_at(tmp_path, "0009") as engine:
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


async def test_scorecard_indexes_upgrade_a_populated_database_in_place(tmp_path: object) -> None:
    """A database at the previous release's head (0009) with deliveries and learnings gets the scorecard's
    indexes (0013) and keeps every row."""
    async with _database_at(tmp_path, "0009") as engine:
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
        # 0020 keeps the index by recipient and purpose without the state.
        assert {"ix_learnings_member_created", "ix_conversation_deliveries_member_purpose"} <= names


async def test_delivery_partial_indexes_upgrade_keeps_every_delivery_and_what_is_due(tmp_path: object) -> None:
    """A database of the previous release (revision 0013) with a pending, a claimed and a sent delivery upgrades
    in place (0020): every row stays as it was, the engine still sees what is due and what a crashed claimer left,
    and the indexes holding `state` are replaced by the partial ones."""
    from datetime import UTC, datetime, timedelta

    from bot.catalog import Catalog
    from bot.clock import ManualClock
    from bot.conversations.engine import ConversationEngine
    from bot.db.engine import create_sessionmaker
    from bot.directory import Directory, TenantDefaults
    from bot.ports import Notifier

    due = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    async with _database_at(tmp_path, "0013") as engine:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO tenants (id, platform, external_id, language, timezone, created_at) "
                    "VALUES (1, 'slack', 'T1', 'da', 'Europe/Copenhagen', :at)"
                ),
                {"at": due},
            )
            await connection.execute(
                text(
                    "INSERT INTO members (id, tenant_id, platform_user_id, role, created_at) "
                    "VALUES (1, 1, 'U1', 'member', :at), (2, 1, 'U2', 'member', :at), (3, 1, 'U3', 'member', :at)"
                ),
                {"at": due},
            )
            await connection.execute(
                text(
                    "INSERT INTO conversation_rounds (id, kind, tenant_id, due_at, closes_at, state, summary, "
                    "anonymous, context, created_at) VALUES (1, 'nudge', 1, :at, :closes, 'open', false, false, "
                    "'{}', :at)"
                ),
                {"at": due, "closes": due + timedelta(hours=20)},
            )
            for number, state, claimed_at in ((1, "pending", None), (2, "sending", due), (3, "sent", None)):
                await connection.execute(
                    text(
                        "INSERT INTO conversation_deliveries (id, idempotency_key, purpose, tenant_id, round_id, "
                        "member_id, due_at, state, not_before, attempts, claimed_by, claimed_at, created_at) "
                        "VALUES (:id, :key, 'invitation', 1, 1, :id, :at, :state, :not_before, 0, :by, :claimed_at, "
                        ":at)"
                    ),
                    {
                        "id": number,
                        "key": f"round1:m{number}",
                        "at": due,
                        "state": state,
                        "not_before": due + timedelta(minutes=number),
                        "by": "crashed" if claimed_at else None,
                        "claimed_at": claimed_at,
                    },
                )
        await upgrade(engine)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT id, state, member_id, claimed_by FROM conversation_deliveries ORDER BY id")
                )
            ).all()

            def index_names(sync: Connection) -> set[str]:
                return {index["name"] or "" for index in inspect(sync).get_indexes("conversation_deliveries")}

            names = await connection.run_sync(index_names)
        assert [tuple(row) for row in rows] == [
            (1, "pending", 1, None),
            (2, "sending", 2, "crashed"),
            (3, "sent", 3, None),
        ]
        assert {
            "ix_conversation_deliveries_pending",
            "ix_conversation_deliveries_tenant_pending",
            "ix_conversation_deliveries_sending",
            "ix_conversation_deliveries_member_purpose",
        } <= names
        assert (
            not {
                "ix_conversation_deliveries_state_not_before",
                "ix_conversation_deliveries_tenant_state_not_before",
                "ix_conversation_deliveries_member_purpose_state",
            }
            & names
        )
        clock = ManualClock(due + timedelta(hours=1))
        conversations = ConversationEngine(
            create_sessionmaker(engine), Catalog.load(), Notifier(), Directory(TenantDefaults()), clock
        )
        assert await conversations.next_due() == due + timedelta(minutes=1)  # the pending one
        await conversations.dispatcher.recover(clock.now())  # the lease of the crashed claim has run out
        async with engine.connect() as connection:
            states = (await connection.execute(text("SELECT state FROM conversation_deliveries ORDER BY id"))).scalars()
            assert list(states) == ["pending", "pending", "sent"]
