"""Per-conversation pacing in the delivery pipeline: one conversation gets its messages one at a time and
`pace_seconds` apart, while other conversations are not held up. On a ManualClock whose sleeps move the clock."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from adapters.app import App
from bot.clock import ManualClock
from tests.engine_support import adapter_for, dm, engine_for
from tests.support import ROOM, say, user

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MONDAY_0900_CPH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def test_three_posts_to_one_channel_are_paced_and_dms_are_not_held_up(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    await app.membership.record_members(ROOM, [user(f"m{number}") for number in range(6)])
    for _ in range(3):
        await say(app.bot, "nudge add weekdays 09:00")  # three schedules posting in the same channel
    await say(app.bot, "nudge add weekdays 09:00 dm", who="m0")
    clock.set(MONDAY_0900_CPH)
    engine = engine_for(app, concurrency=4, pace_seconds=1.5)
    report = await engine.tick()

    assert report.delivery.sent == 3 + 7  # three channel posts, a DM to each of the six and to anna
    in_room = [
        moment
        for (conversation, _), moment in zip(adapter.sent, adapter.times, strict=True)
        if conversation.id == ROOM.id
    ]
    assert len(in_room) == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(in_room)]
    assert all(gap >= timedelta(seconds=1.5) for gap in gaps), gaps
    direct = {conversation.id for conversation, _ in adapter.sent if conversation.id != ROOM.id}
    assert direct == {dm(name).id for name in ["anna", *(f"m{number}" for number in range(6))]}
    assert min(adapter.times) == MONDAY_0900_CPH  # the first sends went out at once
