"""A database written by the release before the conversation engine (revision 0003) upgrades in place and keeps
every member's schedules, answers, streaks, pauses, holiday countries and learnings, checked through the chat."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from adapters.app import App, build_app
from bot.clock import ManualClock
from bot.db.base import UtcDateTime
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.learning.tables import Learning, LearningTag
from bot.model import OutboundMessage
from bot.settings import Settings
from tests.conftest import POSTGRES_URL, on_postgres
from tests.engine_support import adapter_for, dm, engine_for
from tests.support import ROOM, all_text, press, say, user

# Last week's Monday 09:00 in Copenhagen, and the Friday after it: when the old release last ran.
LAST_MONDAY = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _table(name: str, *columns: str, times: tuple[str, ...] = ()) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in columns), *(sa.column(c, UtcDateTime()) for c in times))


# The learnings table as the previous release had it (the model has grown columns since: private, edited_at).
_learnings = _table(
    "learnings", "id", "tenant_id", "member_id", "conversation_id", "language", "text", times=("created_at",)
)
_schedules = _table(
    "nudge_schedules",
    *("id", "tenant_id", "conversation_id", "owner_member_id", "created_by_member_id", "spec", "cron"),
    *("include_weekends", "prompt_set", "target", "reminder_hours", "summary", "paused"),
    times=("next_due_at", "created_at"),
)
_runs = _table(
    "nudge_runs",
    *("id", "schedule_id", "tenant_id", "state", "prompt_set", "topic"),
    times=("due_at", "closes_at", "remind_at", "created_at"),
)
_deliveries = _table(
    "nudge_deliveries",
    *("id", "idempotency_key", "kind", "tenant_id", "run_id", "member_id", "conversation_id", "learning_id"),
    *("state", "attempts", "sent_message_id"),
    times=("due_at", "not_before", "sent_at", "created_at"),
)
_answers = _table("nudge_answers", "delivery_id", "member_id", "text", "outcome", times=("created_at", "updated_at"))
_preferences = _table("nudge_preferences", "member_id", "country", "paused", "paused_until", "opted_out")
_team = _table("nudge_team_settings", "tenant_id", "country")


async def _old_release_rows(url: str) -> None:
    """What the release at revision 0003 wrote for a small team: anna answers her daily DM prompt (three in a
    row with Friday's), bo is on vacation, the channel has a summary schedule, anna's learning was resurfaced once."""
    engine = create_engine(url)
    await upgrade(engine, "0003")
    now = LAST_MONDAY - timedelta(days=7)
    async with engine.begin() as connection:
        await connection.execute(
            sa.insert(Tenant),
            [
                {
                    "id": 1,
                    "platform": "test",
                    "external_id": "T1",
                    "language": "en",
                    "timezone": "Europe/Copenhagen",
                    "created_at": now,
                }
            ],
        )
        await connection.execute(
            sa.insert(Member),
            [
                {
                    "id": 1,
                    "tenant_id": 1,
                    "platform_user_id": "U-anna",
                    "display_name": "Anna",
                    "role": "manager",
                    "created_at": now,
                },
                {
                    "id": 2,
                    "tenant_id": 1,
                    "platform_user_id": "U-bo",
                    "display_name": "Bo",
                    "role": "member",
                    "created_at": now,
                },
            ],
        )
        await connection.execute(
            sa.insert(Conversation),
            [
                {
                    "id": 1,
                    "tenant_id": 1,
                    "platform_conversation_id": ROOM.id,
                    "kind": "channel",
                    "name": "team-room",
                    "reference": {},
                    "created_at": now,
                },
                {
                    "id": 2,
                    "tenant_id": 1,
                    "platform_conversation_id": "D-U-anna",
                    "kind": "direct",
                    "name": "anna",
                    "reference": {},
                    "created_at": now,
                },
            ],
        )
        await connection.execute(
            sa.insert(ConversationMember),
            [
                {"conversation_id": 1, "member_id": 1, "seen_at": now},
                {"conversation_id": 1, "member_id": 2, "seen_at": now},
                {"conversation_id": 2, "member_id": 1, "seen_at": now},
            ],
        )
        learned_at = FRIDAY - timedelta(days=2)  # Wednesday: asked on Thursday (day 1), day 7 still to come
        await connection.execute(
            sa.insert(_learnings),
            [
                {
                    "id": 1,
                    "tenant_id": 1,
                    "member_id": 1,
                    "conversation_id": 1,
                    "language": "en",
                    "text": "Pairing on deploys catches mistakes early #deploys",
                    "created_at": learned_at,
                }
            ],
        )
        await connection.execute(sa.insert(LearningTag), [{"learning_id": 1, "tag": "deploys"}])
        await connection.execute(
            sa.insert(_schedules),
            [
                {
                    "id": 1,
                    "tenant_id": 1,
                    "conversation_id": 1,
                    "owner_member_id": None,
                    "created_by_member_id": 1,
                    "spec": "weekdays 09:00 summary",
                    "cron": "0 9 * * mon-fri",
                    "include_weekends": False,
                    "prompt_set": "daily_reflection",
                    "target": "channel",
                    "reminder_hours": None,
                    "summary": True,
                    "paused": False,
                    "next_due_at": LAST_MONDAY + timedelta(days=7),
                    "created_at": now,
                },
                {
                    "id": 2,
                    "tenant_id": 1,
                    "conversation_id": 2,
                    "owner_member_id": 1,
                    "created_by_member_id": 1,
                    "spec": "weekdays 09:00 me remind 2",
                    "cron": "0 9 * * mon-fri",
                    "include_weekends": False,
                    "prompt_set": "daily_reflection",
                    "target": "owner",
                    "reminder_hours": 2,
                    "summary": False,
                    "paused": False,
                    "next_due_at": LAST_MONDAY + timedelta(days=7),
                    "created_at": now,
                },
            ],
        )
        runs, deliveries, answers = [], [], []
        for day in range(2):  # Monday and Tuesday, both answered by anna in her DM
            due = LAST_MONDAY + timedelta(days=day)
            runs.append(
                {
                    "id": day + 1,
                    "schedule_id": 2,
                    "tenant_id": 1,
                    "state": "closed",
                    "prompt_set": "daily_reflection",
                    "topic": None,
                    "due_at": due,
                    "closes_at": due + timedelta(hours=20),
                    "remind_at": None,
                    "created_at": due,
                }
            )
            deliveries.append(
                {
                    "id": day + 1,
                    "idempotency_key": f"run{day + 1}:m1",
                    "kind": "prompt",
                    "tenant_id": 1,
                    "run_id": day + 1,
                    "member_id": 1,
                    "conversation_id": 2,
                    "learning_id": None,
                    "state": "sent",
                    "attempts": 0,
                    "sent_message_id": f"old{day}",
                    "due_at": due,
                    "not_before": due,
                    "sent_at": due,
                    "created_at": due,
                }
            )
            answers.append(
                {
                    "delivery_id": day + 1,
                    "member_id": 1,
                    "text": f"Answer {day + 1}",
                    "outcome": None,
                    "created_at": due,
                    "updated_at": due,
                }
            )
        # Friday's prompt: still open when the old release stopped.
        runs.append(
            {
                "id": 3,
                "schedule_id": 2,
                "tenant_id": 1,
                "state": "open",
                "prompt_set": "daily_reflection",
                "topic": None,
                "due_at": FRIDAY,
                "closes_at": FRIDAY + timedelta(days=30),
                "remind_at": None,
                "created_at": FRIDAY,
            }
        )
        deliveries.append(
            {
                "id": 3,
                "idempotency_key": "run3:m1",
                "kind": "prompt",
                "tenant_id": 1,
                "run_id": 3,
                "member_id": 1,
                "conversation_id": 2,
                "learning_id": None,
                "state": "sent",
                "attempts": 0,
                "sent_message_id": "old3",
                "due_at": FRIDAY,
                "not_before": FRIDAY,
                "sent_at": FRIDAY,
                "created_at": FRIDAY,
            }
        )
        answers.append(
            {
                "delivery_id": 3,
                "member_id": 1,
                "text": "Friday, half written",
                "outcome": None,
                "created_at": FRIDAY,
                "updated_at": FRIDAY,
            }
        )
        asked = learned_at + timedelta(days=1)
        deliveries.append(
            {
                "id": 4,
                "idempotency_key": "resurface1:d1",
                "kind": "resurface",
                "tenant_id": 1,
                "run_id": None,
                "member_id": 1,
                "conversation_id": 2,
                "learning_id": 1,
                "state": "sent",
                "attempts": 0,
                "sent_message_id": "old4",
                "due_at": asked,
                "not_before": asked,
                "sent_at": asked,
                "created_at": asked,
            }
        )
        answers.append(
            {
                "delivery_id": 4,
                "member_id": 1,
                "text": "Yes",
                "outcome": "yes",
                "created_at": asked,
                "updated_at": asked,
            }
        )
        await connection.execute(sa.insert(_runs), runs)
        await connection.execute(sa.insert(_deliveries), deliveries)
        await connection.execute(sa.insert(_answers), answers)
        await connection.execute(
            sa.insert(_preferences),
            [
                {"member_id": 1, "country": "SE", "paused": False, "paused_until": None, "opted_out": False},
                {
                    "member_id": 2,
                    "country": None,
                    "paused": True,
                    "paused_until": date(2026, 12, 4),
                    "opted_out": False,
                },
            ],
        )
        await connection.execute(sa.insert(_team), [{"tenant_id": 1, "country": "DK"}])
        if connection.dialect.name == "postgresql":  # the old release took these ids from the sequences
            for table in ("tenants", "members", "conversations", "learnings", "nudge_schedules", "nudge_runs"):
                await connection.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
                )
    await upgrade(engine)
    await engine.dispose()


@pytest.fixture
async def old_database(tmp_path: Path) -> AsyncIterator[str]:
    if not on_postgres():
        url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
        await _old_release_rows(url)
        yield url
        return
    # A database of its own: the shared test database is already at head.
    name = f"learnbot_upgrade_{uuid.uuid4().hex[:8]}"
    server = make_url(POSTGRES_URL)
    admin = await asyncpg.connect(host=server.host, port=server.port, user=server.username, database="postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        await _old_release_rows(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def upgraded(old_database: str) -> AsyncIterator[App]:
    clock = ManualClock(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # the Monday after, before 09:00
    app = build_app(Settings(_env_file=None, database_url=old_database), clock=clock)  # type: ignore[call-arg]
    yield app
    await app.close()


async def test_a_database_from_the_previous_release_keeps_everything(upgraded: App) -> None:
    app = upgraded
    clock = app.clock
    assert isinstance(clock, ManualClock)
    adapter = adapter_for(app)
    # Schedules, as members list them.
    listed = all_text(await say(app.bot, "nudge list", where=ROOM))
    assert "#1" in listed and "#2" in listed and "weekdays 09:00 summary" in listed
    # Streaks, holiday countries, pauses.
    assert "3 in a row (best: 3)" in all_text(await say(app.bot, "streak", where=dm("anna")))
    assert "SE" in all_text(await say(app.bot, "holidays", where=dm("anna")))
    assert "DK" in all_text(await say(app.bot, "holidays", who="bo", where=dm("bo")))
    home = await app.bot.handle_home(user("bo"), dm("bo"))
    assert "paused until 2026-12-04" in all_text([OutboundMessage(text="", blocks=home)]).casefold()
    # Learnings and their search.
    assert "Pairing on deploys" in all_text(await say(app.bot, "learnings deploys"))
    assert "Pairing on deploys" in all_text(await say(app.bot, "learnings #deploys", who="bo"))  # shared, as before
    async with app.sessions() as session:
        kept = await session.get_one(Learning, 1)
        assert (kept.private, kept.edited_at) == (False, None)
    # An Answer button on a prompt posted by the old release still opens the form with the answer so far.
    opened = await press(app.bot, "nudge.answer", "3", where=dm("anna"))
    assert opened[0].forms()[0].inputs[0].initial == "Friday, half written"
    # Sending goes on: Monday 09:00 asks anna (DM) and the channel, not bo (on vacation: no one is DMed anyway).
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    engine = engine_for(app)
    await engine.tick()
    assert sorted(conversation.id for conversation, _ in adapter.sent) == [ROOM.id, "D-U-anna"]
    # Resurfacing goes on at day 7 (day 1 was asked and answered before the upgrade: not again).
    sent = len(adapter.sent)
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # Wednesday: 7 days after the learning
    await engine.tick()
    questions = [message for _, message in adapter.sent[sent:] if "used it since" in all_text([message])]
    assert len(questions) == 1 and "Pairing on deploys" in all_text(questions)
