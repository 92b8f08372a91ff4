"""Retro benchmark: invitations through the engine against a bare send loop, and the close of a large retro
against a small one.

    python benchmarks/retro.py [--database-url URL] [--members 500] [--latency-ms 2] [--concurrency 10]

1. A retro's invitations to a 500-member channel (the engine's tick: open round, claim, send, record) divided by
   a bare loop making the same 500 DMs at the same concurrency through the same fake adapter. Target ≤ 1.2.
2. The close of a retro with 2,000 items (group similar items per question, store the groups, post the summary)
   divided by the same with 200 items. Target ≤ 12 (about linear), and under 2 s absolute for 2,000 items.

SQLite in a temporary file by default; pass a PostgreSQL URL (an empty database) to measure there.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fanout import NOW, FakeAdapter, _fresh, _populate
from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.conversations.config import EngineConfig
from bot.conversations.engine import ConversationEngine
from bot.conversations.tables import Response, Round, Series
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Conversation, Member, Tenant
from bot.directory import Directory, TenantDefaults
from bot.learning.log import LearningLog
from bot.model import ConversationKind, ConversationRef, OutboundMessage
from bot.ports import Notifier
from bot.privacy.k_anonymity import Rule
from bot.retros import add_texts
from bot.retros.commands import collect_plan
from bot.retros.kinds import ActionKind, CollectKind, VoteKind, WithheldKind
from bot.retros.outcome import Finisher
from bot.retros.tables import Retro, RetroItem

# Items drawn from a vocabulary the size of a team's retro talk, so grouping has real work to do.
_ROOTS = [
    "deploy",
    "release",
    "review",
    "test",
    "pipeline",
    "meeting",
    "pairing",
    "standup",
    "backlog",
    "incident",
    "alert",
    "runbook",
    "dashboard",
    "migration",
    "rollback",
    "feature",
    "flag",
    "customer",
    "support",
    "onboarding",
    "documentation",
    "refactor",
    "build",
    "cache",
    "latency",
]
_SYLLABLES = ("ka", "lo", "mi", "ren", "tus", "vel", "dor", "pin", "sa", "qua")
WORDS = [*_ROOTS, *(f"{first}{second}x" for first in _SYLLABLES for second in _SYLLABLES)]


def _engine(url: str, clock: ManualClock, adapter: FakeAdapter, concurrency: int) -> tuple[ConversationEngine, object]:
    db = create_engine(url)
    catalog = Catalog.load()
    add_texts(catalog)
    notifier = Notifier({adapter.platform: adapter})
    engine = ConversationEngine(
        create_sessionmaker(db),
        catalog,
        notifier,
        Directory(TenantDefaults()),
        clock,
        EngineConfig(concurrency=concurrency),
    )
    finish = Finisher(LearningLog())
    for kind in (CollectKind(finish, Rule()), VoteKind(finish), ActionKind(), WithheldKind()):
        engine.install(kind)
    return engine, db


async def _open_retro(url: str, engine: ConversationEngine, length: timedelta) -> tuple[int, int]:
    """A retro in the benchmark's channel, its invitations written (not sent); returns (retro id, round id)."""
    sessions = create_sessionmaker(create_engine(url))
    async with sessions() as session:
        await session.execute(delete(Series))  # the populated nudge series is not part of this benchmark
        tenant = (await session.scalars(select(Tenant))).one()
        channel = (await session.scalars(select(Conversation).where(Conversation.kind == "channel"))).one()
        starter = await session.scalar(select(Member.id).order_by(Member.id).limit(1))
        retro = Retro(
            tenant_id=tenant.id,
            conversation_id=channel.id,
            starter_member_id=starter,
            template="classic",
            title="Benchmark",
            anonymous=False,
            votes_per_member=0,
            phase="collecting",
            answered=0,
            created_at=NOW,
        )
        session.add(retro)
        await session.flush()
        round = await engine.open_round(session, collect_plan(retro, NOW, length, "en", []))
        retro.collect_round_id = round.id
        await session.commit()
        return retro.id, round.id


async def invitations(url: str, members: int, latency: float, concurrency: int) -> tuple[float, float]:
    await _fresh(url)
    await _populate(url, members, 0, 0, channel_fanout=True)
    adapter = FakeAdapter(latency)
    engine, db = _engine(url, ManualClock(NOW), adapter, concurrency)
    async with create_sessionmaker(db)() as session:  # type: ignore[arg-type]
        await session.execute(delete(Series))  # the populated nudge series is not part of this benchmark
        await session.commit()
    await engine.tick()  # warm: the bare loop below has no start-up cost either
    await _open_retro(url, engine, timedelta(hours=1))
    started = time.perf_counter()
    report = await engine.tick()
    engine_time = time.perf_counter() - started
    await db.dispose()  # type: ignore[attr-defined]
    assert report.delivery.sent == members == adapter.sent, (report, adapter.sent)

    bare = FakeAdapter(latency)
    limiter = asyncio.Semaphore(concurrency)
    refs = [ConversationRef("bench", "T", f"D-U{n}", ConversationKind.DIRECT) for n in range(members)]
    message = OutboundMessage.plain("Retro: Benchmark")

    async def one(ref: ConversationRef) -> None:
        async with limiter:
            await bare.send(ref, message)

    started = time.perf_counter()
    await asyncio.gather(*(one(ref) for ref in refs))
    return engine_time, time.perf_counter() - started


def _item(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize()


async def close(url: str, items: int) -> float:
    """The tick that closes a retro of `items` items (10 per member, over three questions)."""
    answering = max(items // 10, 1)
    await _fresh(url)
    await _populate(url, answering, 0, 0, channel_fanout=True)
    clock = ManualClock(NOW)
    adapter = FakeAdapter(0.0)
    engine, db = _engine(url, clock, adapter, 10)
    retro_id, round_id = await _open_retro(url, engine, timedelta(hours=1))
    await engine.tick()  # the invitations go out first; only the close is measured
    rng = random.Random(items)
    sessions = create_sessionmaker(db)  # type: ignore[arg-type]
    async with sessions() as session:
        member_ids = list((await session.scalars(select(Member.id).order_by(Member.id))).all())
        rows = [
            {
                "round_id": round_id,
                "respondent": f"m{member_id}",
                "member_id": member_id,
                "answers": {
                    "q1": "\n".join(_item(rng) for _ in range(4)),
                    "q2": "\n".join(_item(rng) for _ in range(3)),
                    "q3": "\n".join(_item(rng) for _ in range(3)),
                },
                "late": False,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for member_id in member_ids
        ]
        await session.execute(insert(Response), rows)
        await session.execute(update(Round).where(Round.id == round_id).values(closes_at=NOW))
        await session.commit()
    clock.set(NOW + timedelta(minutes=1))
    started = time.perf_counter()
    await engine.tick()
    elapsed = time.perf_counter() - started
    async with sessions() as session:
        retro = await session.get_one(Retro, retro_id)
        grouped = await session.scalar(select(RetroItem.id).where(RetroItem.retro_id == retro_id).limit(1))
        assert retro.phase == "closed" and grouped is not None, retro.phase
    assert adapter.sent == answering + 1, adapter.sent  # the invitations, then the summary
    await db.dispose()  # type: ignore[attr-defined]
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{directory}/retro-bench.db"
        engine_time, bare_time = await invitations(url, args.members, args.latency_ms / 1000, args.concurrency)
        print(f"invitations: {args.members} DMs, {args.latency_ms} ms latency, concurrency {args.concurrency}")
        print(f"  engine {engine_time:.3f} s / bare loop {bare_time:.3f} s = {engine_time / bare_time:.2f} (≤ 1.2)")
        small, large = await close(url, 200), await close(url, 2_000)
        print("close (group + store + summary):")
        print(f"  2,000 items {large:.3f} s / 200 items {small:.3f} s = {large / small:.2f} (≤ 12; 2,000 < 2 s)")


if __name__ == "__main__":
    asyncio.run(main())
