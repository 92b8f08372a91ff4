"""Learning-log search at scale: does full-text search stay fast as the log grows to a million entries?

Prints, on the database given by DATABASE_URL (default: a temporary SQLite file), the median time of
`LearningLog.search` with a small and a large log, their ratio (target ≤ 3: the index keeps search nearly flat),
and the same large-log query as a bare `LIKE '%word%'` scan, the baseline an index is meant to beat.

    python -m benchmarks.search_scale [--small 10000] [--large 1000000] [--queries 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import Learning, Member, Tenant
from bot.learning_log import LearningLog

WORDS = [
    "retrospective",
    "pairing",
    "review",
    "deploy",
    "incident",
    "feedback",
    "mentoring",
    "onboarding",
    "testing",
    "refactor",
    "database",
    "meeting",
    "agenda",
    "customer",
    "design",
    "sketch",
    "prototype",
    "metrics",
    "alert",
    "rollback",
    "docs",
    "handover",
    "standup",
    "demo",
    "estimate",
    "backlog",
    "kanban",
    "coffee",
    "lunch",
    "planning",
    "sprint",
    "release",
    "bisect",
    "commit",
    "branch",
    "merge",
    "conflict",
]
QUERIES = ["retrospective", "bisect commit", "mentoring feedback", "rollback incident", "onboarding docs"]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) + f" #{rng.choice(WORDS)}"


async def fill(url: str, total: int, rng: random.Random) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM learnings"))
        await connection.execute(text("DELETE FROM members"))
        await connection.execute(text("DELETE FROM tenants"))
        await connection.execute(
            insert(Tenant).values(
                id=1, platform="bench", external_id="T", language="en", timezone="UTC", created_at=now
            )
        )
        await connection.execute(
            insert(Member).values(id=1, tenant_id=1, platform_user_id="U", role="member", created_at=now)
        )
    batch = 20_000
    for start in range(0, total, batch):
        rows = [
            {
                "tenant_id": 1,
                "member_id": 1,
                "text": sentence(rng),
                "language": "en",
                "created_at": now + timedelta(seconds=start + i),
            }
            for i in range(min(batch, total - start))
        ]
        async with engine.begin() as connection:
            await connection.execute(insert(Learning), rows)
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    await engine.dispose()


async def time_searches(url: str, queries: int) -> tuple[float, float]:
    """Median seconds for (full-text search via LearningLog, bare LIKE scan)."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    log = LearningLog()
    fts, like = [], []
    for i in range(queries):
        query = QUERIES[i % len(QUERIES)]
        async with sessions() as session:
            started = time.perf_counter()
            page = await log.search(session, 1, query)
            fts.append(time.perf_counter() - started)
            assert page.total > 0
            started = time.perf_counter()
            pattern = f"%{query.split()[0]}%"
            await session.execute(
                text("SELECT id FROM learnings WHERE tenant_id = 1 AND text LIKE :p ORDER BY created_at DESC LIMIT 5"),
                {"p": pattern},
            )
            await session.scalar(
                text("SELECT count(*) FROM learnings WHERE tenant_id = 1 AND text LIKE :p"), {"p": pattern}
            )
            like.append(time.perf_counter() - started)
    await engine.dispose()
    return statistics.median(fts), statistics.median(like)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=30)
    args = parser.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as directory:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{directory}/bench.db"
        results = {}
        for size in (args.small, args.large):
            started = time.perf_counter()
            await fill(url, size, rng)
            filled = time.perf_counter() - started
            results[size] = await time_searches(url, args.queries)
            print(
                f"{size:>9,} entries: filled in {filled:6.1f}s; search p50 {results[size][0] * 1000:8.2f} ms; "
                f"LIKE scan p50 {results[size][1] * 1000:8.2f} ms"
            )
        small, large = results[args.small][0], results[args.large][0]
        print(f"search time large/small: {large / small:.2f} (target <= 3)")
        print(f"search time / LIKE scan at {args.large:,}: {large / results[args.large][1]:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
