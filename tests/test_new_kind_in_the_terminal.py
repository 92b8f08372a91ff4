"""The test-only check-in kind, end to end through the terminal chat on a ManualClock: a pair asked by DM, one
answers, the half-time reminder reaches only the other, the summary is built from the answers, and the pair that
did not meet gets exactly one follow-up."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from adapters.app import App
from adapters.console.adapter import ConsoleAdapter
from adapters.console.chat import TEAM_ID, ConsoleChat, ReadLine
from adapters.console.render import Style
from bot.clock import ManualClock
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Window
from bot.conversations.rounds import SeriesPlan
from bot.db.models import Conversation, Member, Tenant
from tests.checkin_kind import KIND, CheckInKind

MONDAY_1000_CPH = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
Step = str | Callable[[], Awaitable[str | None]]


async def test_a_new_kind_runs_end_to_end_in_the_terminal(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_1000_CPH - timedelta(hours=3))
    app.conversations.install(CheckInKind())
    out = io.StringIO()
    adapter = ConsoleAdapter(out, Style(), app.catalog)
    app.notifier.register(adapter)
    chat = ConsoleChat(app.bot, adapter, app.catalog.translator("en"), out, name="Anna", team="T", echo=True)
    marks: dict[str, int] = {}

    def mark(name: str) -> None:
        marks[name] = len(out.getvalue())

    def between(start: str, end: str | None = None) -> str:
        return out.getvalue()[marks[start] : marks[end] if end else None]

    async def pair_series() -> str | None:
        async with app.sessions() as session:
            tenant = (await session.scalars(select(Tenant).where(Tenant.external_id == TEAM_ID))).one()
            ids = {m.platform_user_id: m.id for m in await session.scalars(select(Member))}
            room = (await session.scalars(select(Conversation).where(Conversation.kind == "channel"))).one()
            plan = SeriesPlan(
                kind=KIND,
                tenant_id=tenant.id,
                audience=Audience.pair(ids["anna"], ids["bo"]),
                window=Window(timedelta(days=2), remind_fraction=0.5),
                cron="0 10 * * mon",
                conversation_id=room.id,
                summary=True,
                settings={"pair": [ids["anna"], ids["bo"]]},
            )
            await app.conversations.add_series(session, plan)
            await session.commit()
        return None

    def at(delta: timedelta, name: str) -> Step:
        async def step() -> str | None:
            clock.set(MONDAY_1000_CPH + delta)
            mark(name)
            await app.conversations.tick()
            return None

        return step

    def press_in(conversation: str) -> Step:
        """The number of the first button shown in `conversation` (what the member would type)."""

        async def step() -> str:
            return str(
                next(n for n, (_, sent) in sorted(adapter.buttons.items()) if sent.conversation.id == conversation)
            )

        return step

    steps: list[Step] = [
        "hello",
        ":as Bo",
        "hello",
        pair_series,
        at(timedelta(0), "asked"),
        press_in("dm-bo"),
        "2",  # met: no
        "We could not find a time",
        ".",
        ".",
        ":as Anna",
        at(timedelta(days=1), "half_time"),
        press_in("dm-anna"),
        "1",  # met: yes (she thinks so)
        "Code review habits",
        ".",
        "Small pull requests get reviewed faster",
        ".",
        at(timedelta(days=2), "closed"),
        at(timedelta(days=4), "follow_up"),
        ":as Bo",  # a direct message for another member waits until you switch to them
        at(timedelta(days=5), "follow_up_closed"),
        at(timedelta(days=7), "weeks_later"),
        ":as Anna",
    ]
    await chat.run(_script(steps))

    asked = between("asked", "half_time")
    assert asked.count("Mentor check-in") == 2 and "Check-in saved." in asked
    assert between("half_time", "closed").count("Half time: your check-in is waiting.") == 1  # anna only
    closed = between("closed", "follow_up")
    assert "Check-in: 2 of 2 answered" in closed and "met: yes 1 · no 1" in closed
    assert "Anna: Small pull requests get reviewed faster" in closed
    assert between("follow_up", "follow_up_closed").count("Follow-up: did you manage to meet?") == 2
    assert "Follow-up" not in between("follow_up_closed")  # exactly one follow-up
    assert between("weeks_later").count("Mentor check-in") == 2  # the next check-in goes on


def _script(steps: list[Step]) -> ReadLine:
    queue = list(steps)

    async def read(prompt: str) -> str | None:
        while queue:
            step = queue.pop(0)
            if isinstance(step, str):
                return step
            line = await step()
            if line is not None:
                return line
        return None

    return read
