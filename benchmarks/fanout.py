"""Conversation engine fan-out benchmark: the engine against a bare send loop, tick time against the number of
series, many personal series against one team series, and due-to-sent latency.

    python benchmarks/fanout.py [--database-url URL] [--dms 10000] [--latency-ms 2] [--concurrency 10]

1. 10,000 due DMs (one nudge series for a channel of 10,000) through a fake adapter with 2 ms send latency: the
   engine's tick (plan the round, claim, send, record) divided by a bare loop making the same sends at the same
   concurrency. Target ≤ 1.2 on SQLite, ≤ 1.25 on PostgreSQL.
2. The tick with 100,000 series of which 100 are due, divided by the same with 1,000 series. Target ≤ 2.
3. 10,000 personal series due in the same minute (10,000 one-recipient rounds) divided by (1). Target ≤ 2.
4. Due-to-sent latency: 1,000 members due at the same second, woken by the time-keeper, fake platform 2 ms:
   the 99th percentile after the due instant. Target ≤ 1 s.

SQLite in a temporary file by default; pass a PostgreSQL URL (an empty database) to measure there. DM
conversations are known up front (steady state: every member has been messaged before).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.catalog import Catalog
from bot.clock import Clock, ManualClock
from bot.conversations.config import EngineConfig
from bot.conversations.engine import ConversationEngine
from bot.conversations.tables import Round, Series
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.directory import Directory, TenantDefaults
from bot.model import ConversationKind, ConversationRef, OutboundMessage, Profile, SentRef, UserRef
from bot.nudges.kind import NudgeKind
from bot.people.tables import MemberSettings
from bot.ports import Capabilities, Notifier
from bot.timekeeper import TimeKeeper

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 in Copenhagen
CRON = "0 9 * * mon-fri"


class FakeAdapter:
    platform = "bench"
    capabilities = Capabilities()

    def __init__(self, latency: float, clock: Clock | None = None) -> None:
        self.latency = latency
        self.sent = 0
        self.clock = clock
        self.times: list[datetime] = []

    async def stop(self) -> None: ...

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        if self.latency:
            await asyncio.sleep(self.latency)
        self.sent += 1
        if self.clock is not None:
            self.times.append(self.clock.now())
        return SentRef(conversation, f"m{self.sent}")

    async def update(self, sent: SentRef, message: OutboundMessage) -> None: ...

    async def open_direct(self, user: UserRef) -> ConversationRef:
        return ConversationRef(self.platform, user.tenant, f"D-{user.id}", ConversationKind.DIRECT)

    async def fetch_profile(self, user: UserRef) -> Profile | None:
        return None


def _remove_sqlite(url: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)


async def _fresh(url: str) -> None:
    if url.startswith("sqlite"):
        _remove_sqlite(url)
    engine = create_engine(url)
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    await engine.dispose()


async def _populate(
    url: str, members: int, schedules: int, due: int, *, channel_fanout: bool, due_at: datetime = NOW
) -> None:
    """One tenant; `members` members with known DMs; either one series DMing a channel of all of them
    (`channel_fanout`) or `schedules` personal series of which `due` are due at `due_at`."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        tenant_id = (
            await connection.execute(
                insert(Tenant).returning(Tenant.id),
                [
                    {
                        "platform": "bench",
                        "external_id": "T",
                        "language": "en",
                        "timezone": "Europe/Copenhagen",
                        "created_at": NOW,
                    }
                ],
            )
        ).scalar_one()
        channel_id = (
            await connection.execute(
                insert(Conversation).returning(Conversation.id),
                [
                    {
                        "tenant_id": tenant_id,
                        "platform_conversation_id": "C",
                        "kind": "channel",
                        "reference": {},
                        "created_at": NOW,
                    }
                ],
            )
        ).scalar_one()
        await connection.execute(
            insert(Member),
            [
                {
                    "tenant_id": tenant_id,
                    "platform_user_id": f"U{n}",
                    "display_name": f"M{n}",
                    "role": "member",
                    "created_at": NOW,
                }
                for n in range(members)
            ],
        )
        member_ids = list((await connection.execute(select(Member.id).order_by(Member.id))).scalars())
        await connection.execute(
            insert(Conversation),
            [
                {
                    "tenant_id": tenant_id,
                    "platform_conversation_id": f"D-U{n}",
                    "kind": "direct",
                    "reference": {},
                    "created_at": NOW,
                }
                for n in range(members)
            ],
        )
        dms = dict(
            (
                await connection.execute(
                    select(Conversation.platform_conversation_id, Conversation.id).where(Conversation.kind == "direct")
                )
            ).all()
        )
        await connection.execute(
            insert(MemberSettings),
            [
                {"member_id": member_id, "paused": False, "opted_out": False, "direct_conversation_id": dms[f"D-U{n}"]}
                for n, member_id in enumerate(member_ids)
            ],
        )
        base = {
            "kind": "nudge",
            "tenant_id": tenant_id,
            "conversation_id": channel_id,
            "cron": CRON,
            "include_weekends": False,
            "window_seconds": 20 * 3600,
            "settings": {"prompt_set": "daily_reflection", "spec": "weekdays 09:00"},
            "summary": False,
            "paused": False,
            "created_at": NOW,
        }
        if channel_fanout:
            await connection.execute(
                insert(ConversationMember),
                [{"conversation_id": channel_id, "member_id": member_id, "seen_at": NOW} for member_id in member_ids],
            )
            await connection.execute(insert(Series), [{**base, "audience": "members", "next_due_at": due_at}])
        else:
            rows = [
                {
                    **base,
                    "audience": "member",
                    "audience_member_ids": [member_ids[n % len(member_ids)]],
                    "owner_member_id": member_ids[n % len(member_ids)],
                    "next_due_at": due_at if n < due else due_at + timedelta(days=1, minutes=n % 600),
                }
                for n in range(schedules)
            ]
            for start in range(0, len(rows), 10_000):
                await connection.execute(insert(Series), rows[start : start + 10_000])
    await engine.dispose()


def _engine(url: str, clock: Clock, adapter: FakeAdapter, concurrency: int) -> tuple[ConversationEngine, object]:
    db = create_engine(url)
    notifier = Notifier({adapter.platform: adapter})
    config = EngineConfig(concurrency=concurrency)
    directory = Directory(TenantDefaults())
    engine = ConversationEngine(create_sessionmaker(db), Catalog.load(), notifier, directory, clock, config)
    engine.install(NudgeKind())
    return engine, db


async def fanout(url: str, dms: int, latency: float, concurrency: int) -> tuple[float, float]:
    await _fresh(url)
    await _populate(url, dms, 0, 0, channel_fanout=True)
    adapter = FakeAdapter(latency)
    engine, db = _engine(url, ManualClock(NOW), adapter, concurrency)
    started = time.perf_counter()
    report = await engine.tick()
    engine_time = time.perf_counter() - started
    await db.dispose()  # type: ignore[attr-defined]
    assert report.delivery.sent == dms == adapter.sent, (report, adapter.sent)

    bare = FakeAdapter(latency)
    limiter = asyncio.Semaphore(concurrency)
    refs = [ConversationRef("bench", "T", f"D-U{n}", ConversationKind.DIRECT) for n in range(dms)]
    message = OutboundMessage.plain("What have we learned since last time?")

    async def one(ref: ConversationRef) -> None:
        async with limiter:
            await bare.send(ref, message)

    started = time.perf_counter()
    await asyncio.gather(*(one(ref) for ref in refs))
    bare_time = time.perf_counter() - started
    return engine_time, bare_time


async def tick_time(url: str, schedules: int, due: int, repeats: int = 3) -> float:
    await _fresh(url)
    await _populate(url, 1_000, schedules, due, channel_fanout=False)
    adapter = FakeAdapter(0.0)
    engine, db = _engine(url, ManualClock(NOW), adapter, 10)
    sessions = create_sessionmaker(db)  # type: ignore[arg-type]
    times = []
    for _ in range(repeats):
        async with sessions() as session:  # make the same 100 due again
            await session.execute(delete(Round))
            await session.execute(update(Series).where(Series.id <= due).values(next_due_at=NOW))
            await session.commit()
        started = time.perf_counter()
        report = await engine.tick()
        times.append(time.perf_counter() - started)
        assert report.rounds == due and report.delivery.sent == due, report
    await db.dispose()  # type: ignore[attr-defined]
    return statistics.median(times)


async def personal(url: str, count: int, latency: float, concurrency: int) -> float:
    """`count` personal series due in the same minute, each one member: one tick plans and sends them all."""
    await _fresh(url)
    await _populate(url, count, count, count, channel_fanout=False)
    adapter = FakeAdapter(latency)
    engine, db = _engine(url, ManualClock(NOW), adapter, concurrency)
    started = time.perf_counter()
    report = await engine.tick()
    elapsed = time.perf_counter() - started
    await db.dispose()  # type: ignore[attr-defined]
    assert report.rounds == count and adapter.sent == count, (report, adapter.sent)
    return elapsed


class _RunningClock:
    """Starts at a chosen instant, then runs with wall time (what the time-keeper sees in production)."""

    def __init__(self, start: datetime) -> None:
        self._start, self._t0 = start, time.perf_counter()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.perf_counter() - self._t0)


async def latency(url: str, members: int, send_latency: float, concurrency: int) -> list[float]:
    """Seconds from the due instant to each send, for `members` DMs due at the same second."""
    await _fresh(url)
    await _populate(url, members, members, members, channel_fanout=False)
    clock = _RunningClock(NOW - timedelta(seconds=1))
    adapter = FakeAdapter(send_latency, clock)
    engine, db = _engine(url, clock, adapter, concurrency)
    keeper = TimeKeeper(clock, engine.tick, engine.next_due, tick_seconds=60)
    keeper.start()
    deadline = time.perf_counter() + 60
    while adapter.sent < members and time.perf_counter() < deadline:  # noqa: ASYNC110 (poll with a deadline)
        await asyncio.sleep(0.01)
    await keeper.stop()
    await db.dispose()  # type: ignore[attr-defined]
    assert adapter.sent == members, adapter.sent
    return sorted((sent - NOW).total_seconds() for sent in adapter.times)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="empty database to use (default: temporary SQLite)")
    parser.add_argument("--dms", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{directory}/bench.db"
        print(f"database: {url.split('://')[0]}")
        engine_time, bare_time = await fanout(url, args.dms, args.latency_ms / 1000, args.concurrency)
        print(f"fan-out: {args.dms} DMs, {args.latency_ms} ms latency, concurrency {args.concurrency}")
        ratio = engine_time / bare_time
        print(f"  engine {engine_time:.3f} s  bare loop {bare_time:.3f} s  ratio {ratio:.2f} (target <= 1.25)")
        small = await tick_time(url, 1_000, 100)
        large = await tick_time(url, 100_000, 100)
        ratio = large / small
        print("tick with 100 due:")
        print(f"  1,000 series {small * 1000:.1f} ms  100,000 series {large * 1000:.1f} ms  ratio {ratio:.2f}")
        print("  (target <= 2)")
        personal_time = await personal(url, args.dms, args.latency_ms / 1000, args.concurrency)
        print(f"{args.dms} personal series due in one minute / one team series of {args.dms} DMs:")
        print(f"  personal {personal_time:.3f} s  team {engine_time:.3f} s  ratio {personal_time / engine_time:.2f}")
        print("  (target <= 2)")
        delays = await latency(url, 1_000, args.latency_ms / 1000, args.concurrency)
        p50, p99 = delays[len(delays) // 2], delays[int(len(delays) * 0.99) - 1]
        print("due-to-sent latency, 1,000 members due at the same second:")
        print(f"  p50 {p50:.3f} s  p99 {p99:.3f} s  first {delays[0]:.3f} s  (target p99 <= 1 s)")


if __name__ == "__main__":
    asyncio.run(main())
