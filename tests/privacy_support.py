"""Helpers for the privacy tests: a dump of every table, and the team a member leaves behind."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.app import App
from adapters.slack.store_tables import INSTALLATIONS_TABLE, slack_metadata
from bot.clock import ManualClock
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Window
from bot.conversations.responses import save_response
from bot.conversations.rounds import RoundPlan
from bot.conversations.tables import Delivery, Response, Round
from bot.db.models import Member, Tenant
from bot.learning.tables import Learning
from bot.model import Buttons, OutboundMessage
from bot.nudges.kind import KIND
from bot.privacy.coverage import member_columns
from migrations.metadata import target_metadata
from tests.engine_support import dm, engine_for
from tests.support import ROOM, say

TEAM = ("zelda", "bo", "cy", "dag", "eva", "fay")


async def dump(app: App) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the migrations create."""
    found: dict[str, list[dict[str, Any]]] = {}
    async with app.sessions() as session:
        for metadata in target_metadata():
            for table in metadata.sorted_tables:
                found[table.name] = [dict(row._mapping) for row in await session.execute(select(table))]
    return found


def traces(tables: dict[str, list[dict[str, Any]]], member_id: int, platform_id: str, name: str) -> list[str]:
    """Where the member id (in member columns), the platform id or the display name (anywhere) still shows."""
    problems = []
    columns = {table.name: member_columns(table) for metadata in target_metadata() for table in metadata.sorted_tables}
    for table, rows in tables.items():
        for row in rows:
            for column in columns[table]:
                value = row[column]
                if value == member_id or (isinstance(value, list) and member_id in value):
                    problems.append(f"{table}.{column} = member id")
            text = json.dumps(row, default=str)
            if platform_id in text or name in text:
                problems.append(f"{table}: {text[:200]}")
    return problems


async def counts(app: App) -> dict[str, int]:
    async with app.sessions() as session:
        return {
            "responses": await session.scalar(select(func.count()).select_from(Response)) or 0,
            "rounds": await session.scalar(select(func.count()).select_from(Round)) or 0,
            "deliveries": await session.scalar(select(func.count()).select_from(Delivery)) or 0,
            "learnings": await session.scalar(select(func.count()).select_from(Learning)) or 0,
        }


async def member_ids(session: AsyncSession) -> dict[str, int]:
    return {member.platform_user_id: member.id for member in await session.scalars(select(Member))}


def button_value(replies: list[OutboundMessage], action_id: str) -> str:
    for reply in replies:
        for block in reply.blocks:
            if isinstance(block, Buttons):
                for button in block.buttons:
                    if button.action_id == action_id:
                        return button.value
    raise AssertionError(f"no button {action_id}")


async def busy_team(app: App, clock: ManualClock) -> None:
    """Six members; Zelda uses everything on main: learnings, settings, nudges answered by DM (a streak),
    an anonymous round closed and one still open."""
    for name in TEAM:
        await say(app.bot, "hello", who=name)
    await say(app.bot, "learned Short standups need a clear owner #meetings", who="zelda")
    await say(app.bot, "learned Pairing beats reviews #code", who="bo")
    await say(app.bot, "holidays dk", who="zelda", where=dm("zelda"))
    await say(app.bot, "language da", who="zelda", where=dm("zelda"))
    for name in ("zelda", "bo"):
        await say(app.bot, "nudge add weekdays 09:00", who=name, where=dm(name))
    engine = engine_for(app)
    clock.advance(timedelta(hours=3))  # Monday 09:00 in Copenhagen
    await engine.tick()
    await say(app.bot, "Asking early saves a day", who="zelda", where=dm("zelda"))
    await say(app.bot, "Tests first", who="bo", where=dm("bo"))
    async with app.sessions() as session:
        tenant = (await session.scalars(select(Tenant))).one()
        ids = await member_ids(session)
        for hours in (1, 48):  # one anonymous round that closes below, one still open at the forget
            plan = RoundPlan(
                kind=KIND,
                tenant_id=tenant.id,
                audience=Audience.pair(ids["U-zelda"], ids["U-bo"]),
                due_at=clock.now(),
                window=Window(timedelta(hours=hours)),
                anonymous=True,
            )
            round = await app.conversations.open_round(session, plan)
            for name in ("zelda", "bo"):
                await save_response(session, round, ids[f"U-{name}"], {"answer": f"anon {hours}"}, clock.now())
        await session.commit()
    clock.advance(timedelta(days=1))
    await engine.tick()  # the nudge round and the short anonymous round close
    await say(app.bot, "streak", who="zelda", where=dm("zelda"))
    async with app.sessions() as session:  # she installed the Slack app once, granting a user token
        await session.execute(
            insert(slack_metadata().tables[INSTALLATIONS_TABLE]).values(
                client_id="1.2",
                app_id="A1",
                team_id="T1",
                bot_token="xoxb-1",
                user_id="U-zelda",
                user_token="xoxp-zelda",
                is_enterprise_install=False,
                installed_at=clock.now().replace(tzinfo=None),  # slack_sdk stores naive UTC
            )
        )
        await session.commit()
    await say(app.bot, "hello again", who="zelda", where=ROOM)
