"""The cost of the flush guard that refuses undeclared member JSON (bot/privacy/json_members.py): the same flushes
of new rounds (JSON context, checked) and deliveries (no JSON, only looked up) with and without the guard, on
SQLite in memory, with the ratio.

    python benchmarks/json_guard.py [--rows 2000] [--repeat 3]

Target: the guarded flush within 1.3x of the unguarded one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations.tables import Delivery, Round
from bot.db.base import Base
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Tenant
from bot.privacy import json_members
from migrations.metadata import target_metadata

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CONTEXT = {"retro": 1, "template": "start-stop", "title": "Q3", "language": "en", "names": ["Anna", "Bo"] * 10}


async def flush_rows(sessions: async_sessionmaker[AsyncSession], rows: int, batch: int) -> float:
    started = time.perf_counter()
    async with sessions() as session:
        round = Round(
            kind="retro", tenant_id=1, due_at=NOW, closes_at=NOW + timedelta(hours=1), state="open", created_at=NOW
        )
        session.add(round)
        await session.flush()
        for number in range(rows):
            session.add(
                Round(
                    kind="retro",
                    tenant_id=1,
                    due_at=NOW + timedelta(seconds=number + batch * rows),
                    closes_at=NOW,
                    state="open",
                    context=CONTEXT,
                    created_at=NOW,
                )
            )
            session.add(
                Delivery(
                    idempotency_key=f"{batch}:{number}",
                    purpose="invitation",
                    tenant_id=1,
                    round_id=round.id,
                    due_at=NOW,
                    state="pending",
                    not_before=NOW,
                    created_at=NOW,
                )
            )
            if number % 100 == 99:
                await session.flush()
        await session.commit()
    return time.perf_counter() - started


async def measure(guarded: bool, rows: int, repeat: int) -> float:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    async with engine.begin() as connection:
        for metadata in target_metadata():
            await connection.run_sync(metadata.create_all)
    sessions = create_sessionmaker(engine)
    if guarded:
        uses = (json_members.JsonMembers("conversation_rounds", "context", ("names", "*"), "name", kind="retro"),)
        json_members.guard(sessions, lambda: uses, lambda: {})
    async with sessions() as session:
        session.add(Tenant(id=1, platform="console", external_id="local", created_at=NOW))
        await session.commit()
    best = min([await flush_rows(sessions, rows, batch) for batch in range(repeat)])
    await engine.dispose()
    return best


async def run(rows: int, repeat: int) -> float:
    # Alternated, best of each: the machine is shared, and a burst of load should hit both alike.
    plain = guarded = float("inf")
    for _ in range(repeat):
        plain = min(plain, await measure(False, rows, 1))
        guarded = min(guarded, await measure(True, rows, 1))
    print(f"{rows} rounds + {rows} deliveries, flushed per 100: unguarded {plain:.3f} s, guarded {guarded:.3f} s")
    ratio = guarded / plain
    print(f"ratio guarded/unguarded: {ratio:.2f}  (target: within 1.3)")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    assert Base.metadata.tables  # the models are imported
    sys.exit(0 if asyncio.run(run(args.rows, args.repeat)) <= 1.3 else 1)


if __name__ == "__main__":
    main()
