"""Acceptance: SIGKILL `learnbot serve` in the middle of a 2,000-DM fan-out to a fake Slack, restart it on the same
database (or, on PostgreSQL, let the second replica finish): nobody is without their prompt, and at most
NUDGE_CONCURRENCY members have it twice."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from bot.conversations.tables import Series
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.people.tables import MemberSettings
from tests.conftest import POSTGRES_URL, on_postgres
from tests.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = 2_000
CONCURRENCY = 10


class SlowSlack(FakeSlack):
    """A fake Slack that takes a few milliseconds per call, like the real one over a good network."""

    async def _api(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0.003)
        return await super()._api(request)


async def _fan_out_due_now(url: str) -> None:
    """A Slack workspace with a channel of 2,000 members whose DMs are known, and a one-off series DMing them all,
    due now."""
    engine = create_engine(url)
    await upgrade(engine)
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        tenant = (
            await connection.execute(
                insert(Tenant).returning(Tenant.id),
                [{"platform": "slack", "external_id": "T1", "language": "en", "timezone": "UTC", "created_at": now}],
            )
        ).scalar_one()
        channel = (
            await connection.execute(
                insert(Conversation).returning(Conversation.id),
                [
                    {
                        "tenant_id": tenant,
                        "platform_conversation_id": "C1",
                        "kind": "channel",
                        "name": "all",
                        "reference": {},
                        "created_at": now,
                    }
                ],
            )
        ).scalar_one()
        await connection.execute(
            insert(Member),
            [
                {
                    "tenant_id": tenant,
                    "platform_user_id": f"U{n:04d}",
                    "display_name": f"M{n}",
                    "role": "member",
                    "created_at": now,
                }
                for n in range(MEMBERS)
            ],
        )
        members = dict((await connection.execute(select(Member.platform_user_id, Member.id))).all())
        await connection.execute(
            insert(Conversation),
            [
                {
                    "tenant_id": tenant,
                    "platform_conversation_id": f"D{n:04d}",
                    "kind": "direct",
                    "name": None,
                    "reference": {},
                    "created_at": now,
                }
                for n in range(MEMBERS)
            ],
        )
        dms = dict((await connection.execute(select(Conversation.platform_conversation_id, Conversation.id))).all())
        await connection.execute(
            insert(ConversationMember),
            [{"conversation_id": channel, "member_id": member_id, "seen_at": now} for member_id in members.values()],
        )
        await connection.execute(
            insert(MemberSettings),
            [
                {
                    "member_id": members[f"U{n:04d}"],
                    "paused": False,
                    "opted_out": False,
                    "direct_conversation_id": dms[f"D{n:04d}"],
                }
                for n in range(MEMBERS)
            ],
        )
        await connection.execute(
            insert(Series),
            [
                {
                    "kind": "nudge",
                    "tenant_id": tenant,
                    "conversation_id": channel,
                    "audience": "members",
                    "audience_member_ids": [],
                    "anchor_at": now,
                    "offsets_days": [],
                    "include_weekends": True,
                    "window_seconds": 3600,
                    "settings": {"prompt_set": "daily_reflection", "spec": "once", "target": "members"},
                    "summary": False,
                    "paused": False,
                    "next_due_at": now,
                    "created_at": now,
                }
            ],
        )
    await engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _serve(url: str, slack: FakeSlack, workdir: Path) -> asyncio.subprocess.Process:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "NUDGE_"))}
    environment.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL=slack.url,
        NUDGE_TICK_SECONDS="1",
        NUDGE_LEASE_SECONDS="2",
        NUDGE_CONCURRENCY=str(CONCURRENCY),
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(_free_port()),
        cwd=workdir,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _until(condition: object, within: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.01)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own: SQLite in the test's directory, or a fresh PostgreSQL database."""
    if not on_postgres():
        yield f"sqlite+aiosqlite:///{tmp_path}/learnbot.db"
        return
    name = f"learnbot_crash_{uuid.uuid4().hex[:8]}"
    server = make_url(POSTGRES_URL)
    admin = await asyncpg.connect(host=server.host, port=server.port, user=server.username, database="postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_sigkill_mid_fan_out_then_restart_sends_everyone_once_but_the_concurrency(
    database: str, tmp_path: Path
) -> None:
    """SQLite: one process killed and started again. PostgreSQL: two replicas side by side, one killed."""
    url = database
    await _fan_out_due_now(url)
    slack = SlowSlack()
    await slack.start()
    survivors: list[asyncio.subprocess.Process] = []
    try:
        posts = lambda: len(slack.of("chat.postMessage"))  # noqa: E731
        first = await _serve(url, slack, tmp_path)
        if on_postgres():
            survivors.append(await _serve(url, slack, tmp_path))
        await _until(lambda: posts() >= 700, 120, "the fan-out did not get going")
        first.send_signal(signal.SIGKILL)
        await first.wait()
        accepted_before_kill = posts()
        assert accepted_before_kill < MEMBERS
        if not on_postgres():
            survivors.append(await _serve(url, slack, tmp_path))
        reached = lambda: len({call["channel"] for call in slack.of("chat.postMessage")})  # noqa: E731
        await _until(lambda: reached() >= MEMBERS, 180, "not every member got the prompt after the kill")
        await asyncio.sleep(3)  # nothing more may come (the lease is 2 s)
    finally:
        for process in survivors:
            process.send_signal(signal.SIGTERM)
            await process.wait()
        await slack.close()
    per_member = Counter(call["channel"] for call in slack.of("chat.postMessage"))
    assert len(per_member) == MEMBERS
    twice = [channel for channel, count in per_member.items() if count > 1]
    assert max(per_member.values()) <= 2
    assert len(twice) <= CONCURRENCY, (accepted_before_kill, len(twice))
