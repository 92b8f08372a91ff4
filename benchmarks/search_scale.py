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

COMMON = [
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
    "release",
]
# A long tail of rarer words, as in real notes: each appears in roughly 0.02 % of the entries.
_SYLLABLES = ["ka", "lo", "mi", "ru", "te", "sa", "no", "vi", "de", "pu", "fe", "go", "ha", "ji", "be", "zo"]
RARE = [a + b + c + d for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES for d in _SYLLABLES[:8]]

_RARE_SET = set(RARE)


def sentence(rng: random.Random) -> str:
    words = rng.sample(COMMON, 3) + rng.sample(RARE, 5)
    rng.shuffle(words)
    return " ".join(words) + f" #{rng.choice(COMMON)}"


async def fill(url: str, total: int, rng: random.Random) -> set[str]:
    """A fresh log of `total` entries; returns the rare words it used."""
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
    used: set[str] = set()
    for start in range(0, total, batch):
        texts = [sentence(rng) for _ in range(min(batch, total - start))]
        used.update(word for line in texts[:50] for word in line.split() if word in _RARE_SET)
        rows = [
            {
                "tenant_id": 1,
                "member_id": 1,
                "text": body,
                "language": "en",
                "created_at": now + timedelta(seconds=start + i),
            }
            for i, body in enumerate(texts)
        ]
        async with engine.begin() as connection:
            await connection.execute(insert(Learning), rows)
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    await engine.dispose()
    return used


async def median_times(url: str, queries: list[str]) -> tuple[float, float]:
    """Median seconds over `queries` for (full-text search via LearningLog, bare LIKE scan)."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    log = LearningLog()
    fts, like = [], []
    for query in queries:
        async with sessions() as session:
            started = time.perf_counter()
            page = await log.search(session, 1, query)
            fts.append(time.perf_counter() - started)
            assert page.total > 0, query
            started = time.perf_counter()
            pattern = {"p": f"%{query}%"}
            await session.execute(
                text("SELECT id FROM learnings WHERE tenant_id = 1 AND text LIKE :p ORDER BY created_at DESC LIMIT 5"),
                pattern,
            )
            await session.scalar(
                text("SELECT count(*) FROM (SELECT 1 FROM learnings WHERE tenant_id = 1 AND text LIKE :p LIMIT 1001)"),
                pattern,
            )
            like.append(time.perf_counter() - started)
    await engine.dispose()
    return statistics.median(fts), statistics.median(like)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as directory:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{directory}/bench.db"
        selective = {}
        for size in (args.small, args.large):
            started = time.perf_counter()
            used = await fill(url, size, rng)
            filled = time.perf_counter() - started
            words = rng.sample(sorted(used), args.queries)
            selective[size] = await median_times(url, words)
            common = await median_times(url, COMMON[: max(3, args.queries // 5)])
            print(
                f"{size:>9,} entries (filled in {filled:5.1f}s): rare word p50 {selective[size][0] * 1000:7.2f} ms "
                f"(LIKE scan {selective[size][1] * 1000:7.2f} ms); common word p50 {common[0] * 1000:7.2f} ms "
                f"(LIKE scan {common[1] * 1000:7.2f} ms)"
            )
        small, large = selective[args.small][0], selective[args.large][0]
        print(f"rare-word search time {args.large:,}/{args.small:,} entries: {large / small:.2f} (target <= 3)")
        print(f"rare-word search time / LIKE scan at {args.large:,}: {large / selective[args.large][1]:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
