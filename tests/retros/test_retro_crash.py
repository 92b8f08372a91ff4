"""Acceptance: a retro in a 200-member Slack channel, `learnbot serve` SIGKILLed in the middle of its invitations
and started again on the same database (on PostgreSQL a second replica finishes instead): every member gets their
invitation exactly once, Slack's 429 pause is kept, and the retro carries on to its close.

The kill comes while sends are in flight: the fake Slack holds them unanswered, as Slack's servers would hold a
request that never finished, and drops them with the dead process's connections. (A send Slack did accept but
whose answer died with the process can be repeated once: at most the engine's concurrency, as
tests/test_crash_acceptance.py shows for a 2,000-DM fan-out.)"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import insert, select, update

from adapters.app import build_app
from bot.conversations.tables import Delivery, Round
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.model import ConversationKind, ConversationRef, InboundMessage, UserRef
from bot.people.tables import MemberSettings
from bot.retros.tables import Retro
from bot.settings import Settings
from tests.conftest import on_postgres
from tests.slack.fake_slack import FakeSlack
from tests.test_crash_acceptance import CONCURRENCY, _serve, _until, database  # noqa: F401  (the fixture)

MEMBERS = 200
HOLD_AFTER = 80  # accepted invitations before the fake Slack stops answering and the process is killed


class HoldingSlack(FakeSlack):
    """A fake Slack that takes 20 ms a post, answers the first post with a 429, and from `HOLD_AFTER` accepted
    posts on holds every post unanswered until `release` (a request whose client died by then is dropped)."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[tuple[str, float]] = []  # (channel, when it arrived) of every post Slack took
        self.limited_at: float | None = None
        self.held = 0
        self.release = asyncio.Event()
        self.fail("chat.postMessage", status=429)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "chat.postMessage":
            return await super()._api(request)
        arrived = time.monotonic()
        await asyncio.sleep(0.02)
        if len(self.accepted) >= HOLD_AFTER and not self.release.is_set():
            self.held += 1
            await self.release.wait()
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the sender is gone: Slack never finished this one
        response = await super()._api(request)
        if response.status == 429:
            self.limited_at = time.monotonic()
        elif response.status == 200:
            self.accepted.append((str(self.calls[-1].args.get("channel")), arrived))
        return response


async def _channel_of_200(url: str) -> None:
    """A Slack workspace, a channel whose roster is 200 members with known DMs; the first one a manager."""
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
        conversations = [
            {
                "tenant_id": tenant,
                "platform_conversation_id": f"D{n:04d}" if n >= 0 else "C1",
                "kind": "direct" if n >= 0 else "channel",
                "name": None,
                "reference": {},
                "created_at": now,
            }
            for n in range(-1, MEMBERS)
        ]
        await connection.execute(insert(Conversation), conversations)
        ids = dict((await connection.execute(select(Conversation.platform_conversation_id, Conversation.id))).all())
        await connection.execute(
            insert(Member),
            [
                {
                    "tenant_id": tenant,
                    "platform_user_id": f"U{n:04d}",
                    "display_name": f"M{n}",
                    "role": "manager" if n == 0 else "member",
                    "created_at": now,
                }
                for n in range(MEMBERS)
            ],
        )
        members = dict((await connection.execute(select(Member.platform_user_id, Member.id))).all())
        await connection.execute(
            insert(ConversationMember),
            [{"conversation_id": ids["C1"], "member_id": member_id, "seen_at": now} for member_id in members.values()],
        )
        await connection.execute(
            insert(MemberSettings),
            [
                {
                    "member_id": members[f"U{n:04d}"],
                    "paused": False,
                    "opted_out": False,
                    "direct_conversation_id": ids[f"D{n:04d}"],
                }
                for n in range(MEMBERS)
            ],
        )
    await engine.dispose()


async def _start_retro(url: str) -> None:
    """The manager types `retro start for 2h` in the channel: the core's own path, the reply returned as a value
    (the invitations are the engine's, sent by the served process)."""
    app = build_app(Settings(database_url=url))
    try:
        manager = UserRef("slack", "T1", "U0000", "M0")
        channel = ConversationRef("slack", "T1", "C1", ConversationKind.CHANNEL)
        replies = await app.bot.handle_message(InboundMessage(manager, channel, "retro start for 2h"))
        assert [reply.text for reply in replies] == ["Retro: Retro"], replies
    finally:
        await app.close()


async def test_a_200_member_retro_survives_a_kill_mid_invitations(database: str, tmp_path: object) -> None:  # noqa: F811
    url = database
    await _channel_of_200(url)
    await _start_retro(url)
    slack = HoldingSlack()
    await slack.start()
    survivors: list[asyncio.subprocess.Process] = []
    try:
        first = await _serve(url, slack, tmp_path)  # type: ignore[arg-type]
        if on_postgres():
            survivors.append(await _serve(url, slack, tmp_path))  # type: ignore[arg-type]
        await _until(lambda: slack.held >= 3, 120, "the invitations did not get going")
        await asyncio.sleep(1)  # the posts answered before the hold are recorded; the held ones are in flight
        first.send_signal(signal.SIGKILL)
        await first.wait()
        before_kill = len(slack.accepted)
        slack.release.set()
        if not on_postgres():
            survivors.append(await _serve(url, slack, tmp_path))  # type: ignore[arg-type]
        reached = lambda: len({channel for channel, _ in slack.accepted})  # noqa: E731
        await _until(lambda: reached() >= MEMBERS, 120, "not every member got the invitation after the kill")
        await asyncio.sleep(3)  # nothing more may come (the lease is 2 s)
        invited = list(slack.accepted)
        await _close_now(url)  # the retro carries on: closed now, its summary comes to the channel
        await _until(lambda: any(channel == "C1" for channel, _ in slack.accepted), 60, "no summary after close")
    finally:
        for process in survivors:
            process.send_signal(signal.SIGTERM)
            await process.wait()
        await slack.close()

    per_channel = Counter(channel for channel, _ in invited)
    assert HOLD_AFTER <= before_kill < MEMBERS
    assert set(per_channel) == {f"D{n:04d}" for n in range(MEMBERS)} and max(per_channel.values()) == 1
    # The 429 paused the workspace for its Retry-After (1 s): in that second only posts already on their way
    # arrived (at most the other senders' in flight; unpaused, some 400 would). A second replica learns of a
    # pause at its next refresh (within 1 s, tests/test_shared_rate_pauses.py): the quiet second is the single
    # process's to show.
    limited = slack.limited_at
    assert limited is not None and any(at >= limited + 0.9 for _, at in invited)
    if not on_postgres():
        assert len([at for _, at in invited if limited < at < limited + 0.9]) < CONCURRENCY
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            states = Counter(
                (await connection.execute(select(Delivery.state).where(Delivery.purpose == "invitation"))).scalars()
            )
            assert states == {"sent": MEMBERS}
            assert (await connection.execute(select(Retro.phase))).scalar_one() == "closed"
    finally:
        await engine.dispose()


async def _close_now(url: str) -> None:
    """What `retro close` does to the round, written straight to the database the served process reads."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            round_id = (await connection.execute(select(Retro.collect_round_id))).scalar_one()
            now = datetime.now(UTC)
            await connection.execute(update(Round).where(Round.id == round_id).values(closes_at=now, remind_at=None))
    finally:
        await engine.dispose()
