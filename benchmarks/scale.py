"""Scale-out benchmark on PostgreSQL: W Slack workspaces of M members each, every member due at the same instant
(09:00 in one time zone), real `learnbot serve` processes, a fake Slack that enforces Slack-like limits.

    python benchmarks/scale.py [--server-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
                               [--workspaces 100] [--members 1000] [--workspace-rate 5] [--channel-rate 1]
                               [--replicas 1,2] [--concurrency 10]

The fake Slack (in this process, on loopback) answers chat.postMessage with a 429 and a Retry-After once a
workspace's token bucket (`--workspace-rate` posts a second, a burst of the same size) or a channel's (1 a second)
is empty; a refused call does not spend a token. Every member's DM is known (steady state), so each member gets
one post in a channel of their own and the per-channel limit never binds: the floor the limits allow is
M / workspace-rate seconds after the due instant, whatever the number of replicas (Slack's limits are per
workspace, not per client).

For each replica count, on a database created for the run: W workspaces installed through OAuth, W x M members,
one one-off nudge series per workspace DMing its members, due 2 s after the replicas are healthy. Prints the
completion time (due instant to the last accepted post) against the floor, the 429s, double sends (a member with
more than one accepted post), each process's peak RSS (VmHWM) against its idle RSS just before the due instant,
and the load average before and after (the machine is shared: a busy machine stretches the completion time, never
the floor). `--learnings 1000000` stores that many learnings first (the RSS target: 100,000 members, 1,000,000
learnings, a 100,000-DM fan-out at most twice the idle RSS). Targets: completion / floor <= 1.15 with one replica;
zero double sends with two; peak / idle RSS <= 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import ClientSession, web
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import insert, text, update
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.conversations.tables import Series  # noqa: E402
from bot.db.engine import create_engine  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.db.models import Conversation, ConversationMember, Member, Tenant  # noqa: E402
from bot.people.tables import MemberSettings  # noqa: E402

CLIENT_ID, CLIENT_SECRET, SIGNING_SECRET = "1111.2222", "bench-client-secret", "bench-signing-secret"


@dataclass
class Bucket:
    """A token bucket: `rate` a second, at most `burst` saved up."""

    rate: float
    burst: float
    tokens: float = 0.0
    at: float = 0.0

    def take(self, now: float) -> float:
        """0 if a token was taken, else the seconds until one is there."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class LimitedSlack:
    """chat.postMessage with per-workspace and per-channel limits; every other method answers ok."""

    workspace_rate: float
    channel_rate: float
    teams_by_token: dict[str, str] = field(default_factory=dict)
    accepted: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    last_accepted: float = 0.0
    first_by_team: dict[str, float] = field(default_factory=dict)  # each workspace's first accepted post
    _workspaces: dict[str, Bucket] = field(default_factory=dict)
    _channels: dict[str, Bucket] = field(default_factory=dict)
    _ts: int = 0
    everyone: asyncio.Event = field(default_factory=asyncio.Event)  # set once `_expected` channels have a post
    _expected: int = 0

    def expect(self, channels: int) -> None:
        self._expected = channels
        self.everyone.clear()

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = _free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        return f"http://127.0.0.1:{port}/api/"

    async def close(self) -> None:
        await self._runner.cleanup()

    def reset(self) -> None:
        self.accepted.clear()
        self.refused, self.last_accepted = 0, 0.0
        self.first_by_team.clear()
        self._workspaces.clear()
        self._channels.clear()

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "chat.postMessage":
            return web.json_response({"ok": True})
        body = json.loads(await request.read())
        channel = str(body.get("channel"))
        team = self.teams_by_token.get(request.headers.get("Authorization", "").removeprefix("Bearer "), "?")
        now = time.monotonic()
        workspace = self._workspaces.get(team)
        if workspace is None:
            workspace = self._workspaces[team] = Bucket(self.workspace_rate, self.workspace_rate, 0.0, now)
        channel_bucket = self._channels.get(channel)
        wait = workspace.take(now)
        if not wait and channel_bucket is not None:
            wait = channel_bucket.take(now)
            if wait:
                workspace.tokens += 1  # refused: the workspace's token is not spent
        if wait:
            self.refused += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(math.ceil(wait))}
            )
        if channel_bucket is None:
            self._channels[channel] = Bucket(self.channel_rate, 1.0, 0.0, now)
        self.accepted[channel] += 1
        self.last_accepted = now
        self.first_by_team.setdefault(team, now)
        if len(self.accepted) >= self._expected:
            self.everyone.set()
        self._ts += 1
        return web.json_response({"ok": True, "channel": channel, "ts": f"1700000000.{self._ts:06d}"})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _fresh_database(server_url: str, name: str) -> str:
    server = make_url(server_url)
    admin = await asyncpg.connect(host=server.host, port=server.port, user=server.username, database="postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return server.set(database=name).render_as_string(hide_password=False)


async def _populate(url: str, slack: LimitedSlack, workspaces: int, members: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    store = AsyncSQLAlchemyInstallationStore(CLIENT_ID, engine)
    now = datetime.now(UTC)
    later = now + timedelta(days=1)  # the series are moved to their due instant once the replicas are up
    for number in range(workspaces):
        team = f"T{number:04d}"
        token = f"xoxb-{team}"
        slack.teams_by_token[token] = team
        await store.async_save_bot(
            Bot(
                app_id="A1",
                enterprise_id=None,
                team_id=team,
                bot_token=token,
                bot_id=f"B{team}",
                bot_user_id=f"UB{team}",
                bot_scopes="commands,chat:write,im:write",
                installed_at=time.time(),
            )
        )
        async with engine.begin() as connection:
            await _workspace(connection, team, members, now, later)
    await engine.dispose()


async def _workspace(connection: Any, team: str, members: int, now: datetime, due: datetime) -> None:
    row = {"platform": "slack", "external_id": team, "language": "en", "timezone": "Europe/Copenhagen"}
    tenant = (await connection.execute(insert(Tenant).returning(Tenant.id), [{**row, "created_at": now}])).scalar_one()
    base = {"tenant_id": tenant, "reference": {}, "created_at": now}
    channel = (
        await connection.execute(
            insert(Conversation).returning(Conversation.id),
            [{**base, "platform_conversation_id": f"C{team}", "kind": "channel", "name": "all"}],
        )
    ).scalar_one()
    users = [f"U{team}{n:05d}" for n in range(members)]
    people = [{"tenant_id": tenant, "platform_user_id": u, "display_name": u, "role": "member"} for u in users]
    member_ids = list(
        (await connection.execute(insert(Member).returning(Member.id), [{**p, "created_at": now} for p in people]))
        .scalars()
        .all()
    )
    dm_rows = [{**base, "platform_conversation_id": f"D{u}", "kind": "direct", "name": None} for u in users]
    dms = list((await connection.execute(insert(Conversation).returning(Conversation.id), dm_rows)).scalars().all())
    await connection.execute(
        insert(ConversationMember), [{"conversation_id": channel, "member_id": m, "seen_at": now} for m in member_ids]
    )
    await connection.execute(
        insert(MemberSettings),
        [
            {"member_id": m, "paused": False, "opted_out": False, "direct_conversation_id": d}
            for m, d in zip(member_ids, dms, strict=True)
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
                "anchor_at": due,
                "offsets_days": [],
                "include_weekends": True,
                "window_seconds": 20 * 3600,
                "settings": {"prompt_set": "daily_reflection", "spec": "once", "target": "members"},
                "summary": False,
                "paused": False,
                "next_due_at": due,
                "created_at": now,
            }
        ],
    )


async def _learnings(url: str, per_member: int) -> None:
    """`per_member` learnings for every member, written by the server (the RSS target: nothing loads them whole)."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO learnings (tenant_id, member_id, text, language, created_at)"
                " SELECT m.tenant_id, m.id, 'what I learned today, number ' || g, 'en', now()"
                " FROM members m CROSS JOIN generate_series(1, :n) AS g"
            ),
            {"n": per_member},
        )
    await engine.dispose()


async def _serve(url: str, api_url: str, concurrency: int) -> tuple[asyncio.subprocess.Process, int]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "NUDGE_"))}
    port = _free_port()
    environment.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=url,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api_url,
        NUDGE_TICK_SECONDS="1",
        NUDGE_CONCURRENCY=str(concurrency),
        LOG_LEVEL="WARNING",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "adapters.cli", "serve", "--host", "127.0.0.1", "--port", str(port)),
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return process, port


async def _healthy(port: int, process: asyncio.subprocess.Process) -> None:
    async with ClientSession() as http:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.returncode is None:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("learnbot serve did not become healthy")


def _rss_mib(pid: int, field: str = "VmHWM") -> float:
    """VmHWM: the peak resident set so far; VmRSS: the resident set now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(server_url: str, slack: LimitedSlack, api_url: str, args: argparse.Namespace, replicas: int) -> None:
    total = args.workspaces * args.members
    slack.reset()
    url = await _fresh_database(server_url, f"learnbot_scale_{replicas}")
    started = time.monotonic()
    await _populate(url, slack, args.workspaces, args.members)
    if args.learnings:
        await _learnings(url, args.learnings // total)
    print(
        f"  stored {args.workspaces} workspaces x {args.members} members, {args.learnings // total * total} learnings"
        f" in {time.monotonic() - started:.0f} s"
    )
    processes = [await _serve(url, api_url, args.concurrency) for _ in range(replicas)]
    try:
        for process, port in processes:
            await _healthy(port, process)
        load_before = os.getloadavg()
        idle = [_rss_mib(process.pid, "VmRSS") for process, _ in processes]
        due = datetime.now(UTC) + timedelta(seconds=2)
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(update(Series).values(anchor_at=due, next_due_at=due))
        await engine.dispose()
        due_monotonic = time.monotonic() + (due - datetime.now(UTC)).total_seconds()
        floor = args.members / args.workspace_rate
        deadline = due_monotonic + args.time_limit
        slack.expect(total)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(slack.everyone.wait(), deadline - time.monotonic())
        await asyncio.sleep(3)  # anything sent twice arrives by now
        completion = slack.last_accepted - due_monotonic
        doubles = sum(1 for count in slack.accepted.values() if count > 1)
        rss = [_rss_mib(process.pid) for process, _ in processes]
        load_after = os.getloadavg()
    finally:
        for process, _ in processes:
            if process.returncode is None:
                process.terminate()
            await process.wait()
    reached = len(slack.accepted)
    print(f"  {replicas} replica(s): {reached}/{total} members reached, {doubles} double sends, {slack.refused} 429s")
    print(f"  completion {completion:.1f} s, floor {floor:.1f} s, ratio {completion / floor:.2f} (target <= 1.15)")
    print(f"  throughput {reached / max(completion, 1e-9):.0f} posts/s (the limits allow {total / floor:.0f})")
    starts = sorted(first - due_monotonic for first in slack.first_by_team.values())
    if starts:
        print(f"  first post {starts[0]:.1f} s after the due instant; every workspace's first by {starts[-1]:.1f} s")
    peaks = ", ".join(
        f"{peak:.0f} MiB (idle {rest:.0f}, x{peak / rest:.2f})" for peak, rest in zip(rss, idle, strict=True)
    )
    print(f"  peak RSS per replica: {peaks}")
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min; {os.cpu_count()} cores)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workspaces", type=int, default=100)
    parser.add_argument("--members", type=int, default=1_000)
    parser.add_argument("--workspace-rate", type=float, default=5.0, help="posts a second per workspace")
    parser.add_argument("--channel-rate", type=float, default=1.0, help="posts a second per channel")
    parser.add_argument("--replicas", default="1,2", help="replica counts to run, comma-separated")
    parser.add_argument("--concurrency", type=int, default=10, help="NUDGE_CONCURRENCY of each replica")
    parser.add_argument("--learnings", type=int, default=0, help="learnings to store, spread over the members")
    parser.add_argument("--time-limit", type=float, default=900, help="seconds after the due instant to give up")
    args = parser.parse_args()
    slack = LimitedSlack(args.workspace_rate, args.channel_rate)
    api_url = await slack.start()
    print(
        f"scale: {args.workspaces} workspaces x {args.members} members due at once; Slack limits "
        f"{args.workspace_rate:g}/s per workspace, {args.channel_rate:g}/s per channel; concurrency {args.concurrency}"
    )
    try:
        for replicas in (int(part) for part in args.replicas.split(",")):
            await run(args.server_url, slack, api_url, args, replicas)
    finally:
        await slack.close()


if __name__ == "__main__":
    asyncio.run(main())
