"""Import speed: `learnbot import learnings` against a bare executemany of the same rows.

Writes a CSV of N learnings (default 100,000; two authors, dates, tags), then on the database given by
DATABASE_URL (default: a temporary SQLite file) times, on an emptied log each round:
- import: reading and checking the file, storing rows and tags in one transaction (bot.learning.importing);
- bare: one driver-level executemany of exactly the rows the import stores (same columns and values, so the
  same index work), prepared before the clock starts.
Rounds alternate which side goes first. Target: import / bare <= 3.

    python -m benchmarks.import_scale [--rows 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, text

from benchmarks.search_scale import LANGUAGES, sentence
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import Member, Tenant
from bot.learning.files import read_rows
from bot.learning.importing import check_rows, import_learnings

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def write_csv(path: Path, rows: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "author", "date", "language", "tags"])
        for number in range(rows):
            language = LANGUAGES[number % len(LANGUAGES)]
            body, _ = sentence(rng, language)
            date = f"20{20 + number % 6}-{1 + number % 12:02d}-{1 + number % 28:02d}"
            writer.writerow([f"{body} ({number})", "Anna" if number % 2 else "Bo", date, language.code, "import"])


async def prepare(url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    async with engine.begin() as connection:
        for table in ("learning_tags", "learnings", "members", "tenants"):
            await connection.execute(text(f"DELETE FROM {table}"))
        await connection.execute(
            insert(Tenant).values(
                id=1, platform="bench", external_id="T", language="en", timezone="UTC", created_at=NOW
            )
        )
        for member_id, name in ((1, "Anna"), (2, "Bo")):
            await connection.execute(
                insert(Member).values(
                    id=member_id,
                    tenant_id=1,
                    platform_user_id=f"U{member_id}",
                    display_name=name,
                    role="member",
                    created_at=NOW,
                )
            )
    await engine.dispose()


async def empty_log(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM learning_tags"))
        await connection.execute(text("DELETE FROM learnings"))
    await engine.dispose()


async def time_import(url: str, path: Path) -> tuple[float, int]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    started = time.perf_counter()
    async with sessions() as session:
        team = (await session.scalars(select(Tenant))).one()
        report = await import_learnings(session, team, read_rows(path), default_author=None, now=NOW)
        await session.commit()
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, report.stored


async def time_bare(url: str, path: Path) -> tuple[float, int]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        team = (await session.scalars(select(Tenant))).one()
        members = list(await session.scalars(select(Member)))
    checked, _ = check_rows(read_rows(path), team, members, None, NOW)
    postgres = engine.dialect.name == "postgresql"
    marks = "$1, $2, $3, $4, $5, $6" if postgres else "?, ?, ?, ?, ?, ?"
    statement = (
        f"INSERT INTO learnings (tenant_id, member_id, text, language, created_at, content_key) VALUES ({marks})"
    )
    # The driver's own value for a timestamp: aware datetimes for asyncpg, the ISO text SQLAlchemy stores in SQLite.
    rows = [
        (
            1,
            row.member_id,
            row.text,
            row.language,
            row.created_at if postgres else row.created_at.isoformat(sep=" "),
            row.content_key,
        )
        for row in checked
    ]
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        started = time.perf_counter()
        if postgres:
            async with driver.transaction():
                await driver.executemany(statement, rows)
        else:
            await driver.executemany(statement, rows)
            await driver.commit()
        elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, len(rows)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{directory}/bench.db"
        path = Path(directory) / "learnings.csv"
        write_csv(path, args.rows, random.Random(7))
        await prepare(url)
        print(f"database: {url.split('@')[-1]}; {args.rows:,} rows in {path.stat().st_size / 1e6:.1f} MB of CSV")
        imports: list[float] = []
        bares: list[float] = []
        for round_number in range(args.rounds):
            sides = [("import", time_import, imports), ("bare", time_bare, bares)]
            for name, run, times in sides if round_number % 2 == 0 else sides[::-1]:
                await empty_log(url)
                elapsed, stored = await run(url, path)
                assert stored == args.rows, (name, stored)
                times.append(elapsed)
                print(f"  round {round_number + 1} {name:>6}: {elapsed:6.2f} s")
        ratio = statistics.median(imports) / statistics.median(bares)
        print(
            f"import {statistics.median(imports):.2f} s, bare executemany {statistics.median(bares):.2f} s: "
            f"ratio {ratio:.2f} (target <= 3)"
        )


if __name__ == "__main__":
    asyncio.run(main())
