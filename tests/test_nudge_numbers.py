"""Nudge numbers read right: 1, 2, 3 per team, whatever other series (resurfacing a learning) exist, stable when
another is removed; a database from the previous release keeps the numbers its members were shown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from adapters.app import App, build_app
from bot.clock import ManualClock
from bot.conversations.tables import Series
from bot.db.engine import create_engine
from bot.db.migrate import downgrade, upgrade
from bot.model import ConversationKind, ConversationRef, InboundMessage, UserRef
from bot.settings import Settings
from tests.conftest import POSTGRES_URL, on_postgres
from tests.engine_support import dm
from tests.support import PLATFORM, ROOM, all_text, say

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


async def test_a_first_nudge_is_nudge_1_after_a_learning_and_numbers_stay_put(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    await say(app.bot, "learned to keep retros short", who="anna")  # resurfacing series of its own
    async with app.sessions() as session:
        kinds = list(await session.scalars(select(Series.kind)))
    assert "resurface" in kinds

    assert "Nudge 1 added" in all_text(await say(app.bot, "nudge add weekdays 09:00 me", where=dm("anna")))
    assert "Nudge 2 added" in all_text(await say(app.bot, "nudge add weekdays 10:00 dm", who="anna"))
    assert "Nudge 3 added" in all_text(await say(app.bot, "nudge add weekly fri 14:30", who="anna"))
    assert "Nudge 2 removed" in all_text(await say(app.bot, "nudge remove 2", who="anna"))
    # Removing one does not renumber the others, and a new one never takes a number that was shown before.
    listing = all_text(await say(app.bot, "nudge list", who="anna"))
    assert "#3" in listing and "#2" not in listing
    assert "Nudge 4 added" in all_text(await say(app.bot, "nudge add weekdays 11:00 dm", who="anna"))
    assert "no nudge 2 here" in all_text(await say(app.bot, "nudge pause 2", who="anna"))

    # Another team counts its own.
    other = UserRef(PLATFORM, "T-other", "U-bo", "Bo")
    room = ConversationRef(PLATFORM, "T-other", "C-other", ConversationKind.CHANNEL, name="other")
    replies = await app.bot.handle_message(InboundMessage(other, room, "nudge add weekdays 09:00"))
    assert "Nudge 1 added" in all_text(replies)


async def test_an_upgraded_database_keeps_the_nudge_numbers_its_members_saw(tmp_path: Path) -> None:
    """Written by the previous release (revision 0009), where a nudge was shown its series id: after the upgrade
    the same number names the same nudge, and the next one continues after it."""
    url = POSTGRES_URL if on_postgres() else f"sqlite+aiosqlite:///{tmp_path}/previous.db"
    engine = create_engine(url)
    try:
        if on_postgres():
            await downgrade(engine, "base")
        await upgrade(engine, "0009")
        now = "2026-11-20 09:00:00+00:00"
        async with engine.begin() as connection:
            insert = sa.text
            await connection.execute(
                insert(
                    "INSERT INTO tenants (id, platform, external_id, language, timezone, created_at) "
                    f"VALUES (1, 'test', 'T1', 'en', 'Europe/Copenhagen', '{now}')"
                )
            )
            await connection.execute(
                insert(
                    "INSERT INTO members (id, tenant_id, platform_user_id, display_name, role, created_at) "
                    f"VALUES (1, 1, 'U-anna', 'Anna', 'member', '{now}')"
                )
            )
            await connection.execute(
                insert(
                    "INSERT INTO conversations (id, tenant_id, platform_conversation_id, kind, name, reference,"
                    f" created_at) VALUES (1, 1, 'C-room', 'channel', 'team-room', '{{}}', '{now}')"
                )
            )
            series = (
                "INSERT INTO conversation_series (id, kind, tenant_id, conversation_id, created_by_member_id,"
                " audience, audience_member_ids, cron, offsets_days, working_days, include_weekends,"
                " window_seconds, summary, anonymous, settings, paused, next_due_at, created_at) VALUES"
                " ({id}, '{kind}', 1, 1, 1, 'channel', '[]', '{cron}', '[]', false, false, 72000, false, false,"
                " '{settings}', false, '2026-11-23 08:00:00+00:00', '{now}')"
            )
            await connection.execute(insert(series.format(id=6, kind="resurface", cron="", settings="{}", now=now)))
            nudge = '{"prompt_set": "daily_reflection", "spec": "weekdays 09:00", "target": "channel"}'
            await connection.execute(
                insert(series.format(id=7, kind="nudge", cron="0 9 * * mon-fri", settings=nudge, now=now))
            )
        await upgrade(engine)
        async with engine.connect() as connection:
            numbers = dict((await connection.execute(sa.text("SELECT id, number FROM conversation_series"))).all())
        assert numbers == {6: None, 7: 7}
    finally:
        await engine.dispose()

    clock = ManualClock(MONDAY_0600)
    app = build_app(Settings(_env_file=None, database_url=url), clock=clock)  # type: ignore[call-arg]
    try:
        listing = all_text(await say(app.bot, "nudge list", where=ROOM))
        assert "#7" in listing and "weekdays 09:00" in listing
        assert "Nudge 8 added" in all_text(await say(app.bot, "nudge add weekly fri 14:30", where=ROOM))
        assert "Nudge 7 paused" in all_text(await say(app.bot, "nudge pause 7", where=ROOM))
    finally:
        await app.close()
        if on_postgres():  # leave the shared database as the other tests expect it: empty, at head
            engine = create_engine(url)
            async with engine.begin() as connection:
                await connection.execute(sa.text("TRUNCATE tenants RESTART IDENTITY CASCADE"))
            await engine.dispose()
