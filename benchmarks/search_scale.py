"""Learning-log search at scale: does stemmed full-text search stay fast as the log grows to a million entries?

Prints, on the database given by DATABASE_URL (default: a temporary SQLite file), for a small and a large log
whose entries are Danish, Swedish and English in equal parts:
- per language, the median time of `LearningLog.search` for a rare word searched in another word form than it
  was logged in (logged "…erne", searched "…er"), and the ratio large / small (target <= 3: the index keeps
  search nearly flat), beside the same query as a bare `LIKE '%word%'` scan, the baseline an index beats;
- the median time of a common word, one in every eighth entry (target at 1,000,000 entries on SQLite: <= 50 ms).

    python -m benchmarks.search_scale [--small 10000] [--large 1000000] [--queries 20] [--keep DIR]

A million entries take half an hour to fill on a busy machine. With --keep DIR, SQLite logs are kept as
DIR/learnings-<size>.db, and a log that already holds its size is measured again without filling (its rare words
are read back from its entries); on PostgreSQL a database already holding a size is measured first, as is.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import Member, Tenant
from bot.learning.log import LearningLog
from bot.learning.tables import Learning


@dataclass(frozen=True)
class Language:
    code: str
    common: list[str]
    logged_suffix: str  # how rare words are written in entries
    query_suffix: str  # and the other form searched for; both stem alike in this language


LANGUAGES = [
    Language(
        "da",
        [
            "møde",
            "retrospektiv",
            "kodegennemgang",
            "udrulning",
            "hændelse",
            "mentor",
            "refaktorering",
            "dagsorden",
            "kunde",
            "målinger",
            "alarm",
            "tilbagerulning",
            "dokumentation",
            "overdragelse",
            "estimat",
            "udgivelse",
        ],
        "erne",
        "er",
    ),
    Language(
        "sv",
        [
            "möte",
            "retrospektiv",
            "kodgranskning",
            "driftsättning",
            "incident",
            "mentor",
            "omstrukturering",
            "dagordning",
            "kund",
            "mätvärden",
            "larm",
            "återställning",
            "dokumentation",
            "överlämning",
            "uppskattning",
            "lansering",
        ],
        "arna",
        "ar",
    ),
    Language(
        "en",
        [
            "retrospective",
            "pairing",
            "review",
            "deploy",
            "incident",
            "mentoring",
            "refactor",
            "meeting",
            "agenda",
            "customer",
            "metrics",
            "alert",
            "rollback",
            "docs",
            "handover",
            "estimate",
        ],
        "ings",
        "ing",
    ),
]
# Words every language uses; one of them is in each entry, so each is in about one entry of eight.
SHARED = ["test", "demo", "design", "standup", "backlog", "feedback", "database", "prototype"]
# A long tail of rarer words, as in real notes: each appears in roughly 0.015 % of the entries.
_SYLLABLES = ["ka", "lo", "mi", "ru", "te", "sa", "no", "vi", "de", "pu", "fe", "go", "ha", "ji", "be", "zo"]
RARE = [a + b + c + d for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES for d in _SYLLABLES[:8]]


def sentence(rng: random.Random, language: Language) -> tuple[str, list[str]]:
    """An entry in `language` and the rare words (base forms) it holds."""
    rare = rng.sample(RARE, 5)
    words = [*rng.sample(language.common, 2), rng.choice(SHARED), *(word + language.logged_suffix for word in rare)]
    rng.shuffle(words)
    return " ".join(words) + f" #{rng.choice(language.common)}", rare


async def fill(url: str, total: int, rng: random.Random) -> dict[str, set[str]]:
    """A fresh log of `total` entries; returns, per language, rare words (base forms) its entries used."""
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
    used: dict[str, set[str]] = {language.code: set() for language in LANGUAGES}
    for start in range(0, total, batch):
        rows = []
        for i in range(min(batch, total - start)):
            language = LANGUAGES[(start + i) % len(LANGUAGES)]
            body, rare = sentence(rng, language)
            if i < 150:
                used[language.code].update(rare)
            rows.append(
                {
                    "tenant_id": 1,
                    "member_id": 1,
                    "text": body,
                    "language": language.code,
                    "created_at": now + timedelta(seconds=start + i),
                }
            )
        async with engine.begin() as connection:
            await connection.execute(insert(Learning), rows)
    # The steady state autovacuum keeps in production: statistics, and on PostgreSQL the GIN index's pending
    # list merged (a query scans that list in full until then).
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    await engine.dispose()
    return used


async def entries(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(text("SELECT count(*) FROM learnings")) or 0)
    except Exception:  # no schema yet: nothing to reuse
        return 0
    finally:
        await engine.dispose()


async def rare_words_in(url: str) -> dict[str, set[str]]:
    """Rare words (base forms) of a log filled before, read back from its first entries."""
    engine = create_engine(url)
    rare = set(RARE)
    used: dict[str, set[str]] = {language.code: set() for language in LANGUAGES}
    suffixes = {language.code: language.logged_suffix for language in LANGUAGES}
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT text, language FROM learnings ORDER BY id LIMIT 3000"))
        for body, code in rows:
            suffix = suffixes[code]
            used[code].update(
                w[: -len(suffix)] for w in body.split() if w.endswith(suffix) and w[: -len(suffix)] in rare
            )
    await engine.dispose()
    return used


async def median_times(url: str, queries: list[str], repeat: int = 3) -> tuple[float, float]:
    """Median seconds over `queries` for (full-text search via LearningLog, bare LIKE scan). Each query's time
    is its best of `repeat` runs, so another process busy on a shared machine does not decide the figure."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    log = LearningLog()
    fts, like = [], []
    for query in queries:
        best = float("inf")
        for _ in range(repeat):
            async with sessions() as session:
                started = time.perf_counter()
                page = await log.search(session, 1, query)
                best = min(best, time.perf_counter() - started)
                assert page.total > 0, query
        fts.append(best)
        async with sessions() as session:
            started = time.perf_counter()
            pattern = {"p": f"%{query}%"}
            await session.execute(
                text("SELECT id FROM learnings WHERE tenant_id = 1 AND text LIKE :p ORDER BY created_at DESC LIMIT 5"),
                pattern,
            )
            await session.scalar(
                text(
                    "SELECT count(*) FROM (SELECT 1 FROM learnings WHERE tenant_id = 1 AND text LIKE :p LIMIT 1001) "
                    "AS matches"
                ),
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
    parser.add_argument("--keep", help="keep SQLite logs in this directory, and measure kept ones again")
    args = parser.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as directory:
        keep = args.keep or directory
        urls = {size: f"sqlite+aiosqlite:///{keep}/learnings-{size}.db" for size in (args.small, args.large)}
        if os.environ.get("DATABASE_URL"):
            urls = {size: os.environ["DATABASE_URL"] for size in (args.small, args.large)}
        print(f"database: {urls[args.small].split('@')[-1]}")
        sizes = [args.small, args.large]
        kept = [size for size in sizes if await entries(urls[size]) == size]
        rare: dict[tuple[int, str], tuple[float, float]] = {}
        common: dict[int, tuple[float, float]] = {}
        for size in kept + [size for size in sizes if size not in kept]:
            started = time.perf_counter()
            if size in kept:
                used = await rare_words_in(urls[size])
                print(f"{size:>9,} entries (kept from an earlier fill, measured as they are)")
            else:
                used = await fill(urls[size], size, rng)
                print(f"{size:>9,} entries (filled in {time.perf_counter() - started:5.1f}s)")
            url = urls[size]
            for language in LANGUAGES:
                words = [word + language.query_suffix for word in rng.sample(sorted(used[language.code]), args.queries)]
                rare[size, language.code] = await median_times(url, words)
                fts, like = rare[size, language.code]
                print(
                    f"    {language.code} rare word in another form p50 {fts * 1000:7.2f} ms "
                    f"(LIKE scan {like * 1000:7.2f} ms)"
                )
            common[size] = await median_times(url, SHARED)
            print(
                f"    common word (1 entry in 8) p50 {common[size][0] * 1000:7.2f} ms "
                f"(LIKE scan {common[size][1] * 1000:7.2f} ms)"
            )
        for language in LANGUAGES:
            small, large = rare[args.small, language.code][0], rare[args.large, language.code][0]
            print(
                f"{language.code}: rare-word search time {args.large:,}/{args.small:,} entries: {large / small:.2f} "
                f"(target <= 3); / LIKE scan at {args.large:,}: {large / rare[args.large, language.code][1]:.3f}"
            )
        print(
            f"common-word search at {args.large:,} entries: {common[args.large][0] * 1000:.1f} ms "
            f"(target on SQLite <= 50 ms); at {args.small:,}: {common[args.small][0] * 1000:.1f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
