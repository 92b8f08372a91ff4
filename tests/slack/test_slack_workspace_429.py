"""A 429 from one Slack workspace pauses only that workspace: two workspaces installed over OAuth, signed commands
in over HTTP, a fake Web API that refuses chat.postMessage with a Retry-After for one workspace's token only. The
other workspace's prompts go on at once; the limited one waits the Retry-After out; nothing is lost or doubled."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from sqlalchemy import func, select

from adapters.slack.platform import BACKLOG_KEY
from bot.clock import ManualClock
from bot.conversations.tables import Delivery, Series
from tests.engine_support import engine_for
from tests.slack.conftest import SlackRig
from tests.slack.fake_slack import Call, FakeSlack
from tests.slack.test_slack_oauth import finish_install, grant, start_install

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MONDAY_0900_CPH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TOKENS = {"TA": "xoxb-team-a", "TB": "xoxb-team-b"}
MEMBERS = {team: [f"U{team}{n}" for n in range(6)] for team in TOKENS}


@dataclass
class OneTokenLimited(FakeSlack):
    """Answers chat.postMessage with 429 and `Retry-After: 2` for `limited_token`, `refusals` times; notes the
    (manual) clock of every post."""

    clock: ManualClock | None = None
    limited_token: str = ""
    refusals: int = 0
    posts: list[tuple[datetime, str, str, int]] = field(default_factory=list)  # (clock, token, channel, status)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "chat.postMessage":
            return await super()._api(request)
        assert self.clock is not None
        token = str(request.headers.get("Authorization", "")).removeprefix("Bearer ")
        args = await self._args(request)
        if token == self.limited_token and self.refusals > 0:
            self.refusals -= 1
            self._record(Call("chat.postMessage:refused", args, request.headers.get("Authorization")))
            self.posts.append((self.clock.now(), token, str(args.get("channel")), 429))
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "2"})
        self.posts.append((self.clock.now(), token, str(args.get("channel")), 200))
        self._record(Call("chat.postMessage", args, request.headers.get("Authorization")))
        return web.json_response({"ok": True, **self._answer("chat.postMessage", args)})


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    api = OneTokenLimited()
    await api.start()
    yield api
    await api.close()


async def _install(rig: SlackRig, team: str) -> None:
    rig.api.grants[f"code-{team}"] = grant(team, TOKENS[team])
    state, cookie = await start_install(rig)
    assert await finish_install(rig, f"code-{team}", state, cookie) == 200
    rig.api.channel_members[f"C{team}"] = [*MEMBERS[team], "UBOT9"]
    response = await rig.command(
        "/learnbot", "nudge add weekdays 09:00 dm", team_id=team, channel_id=f"C{team}", user_id=MEMBERS[team][0]
    )
    assert response.status == 200


async def test_a_429_for_one_workspace_leaves_the_other_sending(
    slack_oauth: SlackRig, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    rig = slack_oauth
    assert isinstance(fake_slack, OneTokenLimited)
    fake_slack.clock = clock
    clock.set(MONDAY_0600)
    for team in TOKENS:
        await _install(rig, team)
    await rig.api.wait_for("conversations.members", count=2)  # each nudge read its channel's roster
    assert rig.client.server is not None
    await rig.client.server.app[BACKLOG_KEY].drain()  # the work after each command's HTTP 200
    async with rig.app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Series)) == 2
    fake_slack.posts.clear()  # the two commands' replies

    fake_slack.limited_token, fake_slack.refusals = TOKENS["TA"], 2
    clock.set(MONDAY_0900_CPH)

    async def wait_out(seconds: float) -> None:
        """The engine waiting out A's Retry-After: in real time B's sends go on meanwhile (over loopback they take
        milliseconds), so let them land (at most a real second) before the test's clock jumps."""
        for _ in range(1000):
            if sum(1 for _, token, _, status in fake_slack.posts if token == TOKENS["TB"] and status == 200) == 6:
                break
            await asyncio.sleep(0.001)
        clock.advance(timedelta(seconds=seconds))

    engine = engine_for(rig.app, name="replica", concurrency=2, sleep=wait_out)
    sent = 0
    for _ in range(6):  # what the time-keeper does: tick, then wake at the next due instant (a pause's end)
        sent += (await engine.tick()).delivery.sent
        if sent == 12:
            break
        due = await engine.next_due()
        assert due is not None and due < MONDAY_0900_CPH + timedelta(minutes=1)
        clock.set(max(due, clock.now()))

    # Nothing lost, nothing doubled: each of the twelve members got one prompt, in their own DM.
    accepted = [(at, token, channel) for at, token, channel, status in fake_slack.posts if status == 200]
    per_channel = Counter(channel for _, _, channel in accepted)
    assert len(per_channel) == 12 and set(per_channel.values()) == {1}
    for team, members in MEMBERS.items():
        assert {channel for _, token, channel in accepted if token == TOKENS[team]} == {
            "D" + member.removeprefix("U") for member in members
        }
    async with rig.app.sessions() as session:
        states = dict((await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
    assert states == {"sent": 12} and sent == 12

    refused = [at for at, token, _, status in fake_slack.posts if status == 429]
    assert len(refused) == 2 and all(token == TOKENS["TA"] for _, token, _, s in fake_slack.posts if s == 429)
    # Workspace B was not held up: all its prompts went out before workspace A's first pause was over.
    b_times = [at for at, token, _ in accepted if token == TOKENS["TB"]]
    assert max(b_times) < refused[0] + timedelta(seconds=2)
    # Workspace A waited each Retry-After out: no post of A inside a pause (one in flight with a refusal is
    # stamped with its instant).
    for at, token, _ in accepted:
        if token == TOKENS["TA"]:
            assert not any(refusal < at < refusal + timedelta(seconds=2) for refusal in refused), at
    assert max(at for at, token, _ in accepted if token == TOKENS["TA"]) >= refused[1] + timedelta(seconds=2)
