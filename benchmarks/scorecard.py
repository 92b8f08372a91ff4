"""The scorecard at scale: does one team's scorecard stay as fast, and `learnbot report` as lean, when the
database holds a million answers of many teams instead of only that team's ten thousand?

Builds two SQLite databases (or uses DATABASE_URL's PostgreSQL server with --postgres, one database at a time):
- small: the measured team alone, 20 members, 10,000 answers (responses to prompts and to "did you use it?"),
  1,000 learnings, retros, action items, mentor meetings and goals;
- large: the same team plus enough other teams (workspaces of 20, each with a channel) to reach 1,000,000
  answers and 100,000 learnings in all.
Then prints, in one run:
- the median time of the team's scorecard (the whole workspace, and its channel, whose card also measures the
  enclosing workspace) at each size, and the ratio large / small (target <= 3);
- the peak resident memory of `learnbot report --team … --csv … --png …`, each run in its own subprocess, and
  the ratio large / small (target <= 1.5).

    python -m benchmarks.scorecard [--answers 1000000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.conversations.tables import Delivery, Response, Round, Series
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.db.stemming import register_sqlite_functions
from bot.goals.tables import LearningGoal
from bot.learning.tables import Learning
from bot.mentoring.tables import MentorMeeting, MentorPair
from bot.privacy.k_anonymity import Rule
from bot.retros.tables import Retro, RetroAction
from bot.scorecard.card import Scorecard
from bot.scorecard.indicators import Team
from bot.scorecard.periods import rolling

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAYS = 180
MEMBERS = 20
TEAM_ANSWERS = 10_000
TEAM_LEARNINGS = 1_000
CHUNK = 20_000


class Rows:
    """Ids and row buffers, flushed in large executemany batches."""

    def __init__(self) -> None:
        self.next_id: dict[str, int] = {}
        self.buffers: dict[Any, list[dict[str, Any]]] = {}

    def id(self, table: Any) -> int:
        name = table.__tablename__
        self.next_id[name] = self.next_id.get(name, 0) + 1
        return self.next_id[name]

    def add(self, table: Any, **values: Any) -> None:
        self.buffers.setdefault(table, []).append(values)


def _moment(rng: random.Random) -> datetime:
    return NOW - timedelta(seconds=rng.randrange(DAYS * 86_400))


def team_rows(rows: Rows, rng: random.Random, tenant_number: int, answers: int, learnings: int) -> None:
    """One workspace of MEMBERS with a channel of all but two, `answers` answers and `learnings` learnings."""
    tenant = rows.id(Tenant)
    rows.add(
        Tenant,
        id=tenant,
        platform="bench",
        external_id=f"T{tenant_number}",
        name=f"team {tenant_number}",
        language="en",
        timezone="Europe/Copenhagen",
        created_at=NOW,
    )
    members = []
    for index in range(MEMBERS):
        member = rows.id(Member)
        members.append(member)
        rows.add(
            Member,
            id=member,
            tenant_id=tenant,
            platform_user_id=f"U{tenant}-{index}",
            display_name=None,
            role="member",
            created_at=NOW,
        )
    channel = rows.id(Conversation)
    rows.add(
        Conversation,
        id=channel,
        tenant_id=tenant,
        platform_conversation_id=f"C{tenant}",
        kind="channel",
        name=f"room-{tenant_number}",
        reference={},
        created_at=NOW,
    )
    for member in members[:-7]:
        rows.add(ConversationMember, conversation_id=channel, member_id=member, seen_at=NOW)
    # Learnings, each asked "did you use it?" once; the answers count toward `answers`.
    asked_answers = 0
    for _ in range(learnings):
        author, created = rng.choice(members), _moment(rng)
        learning, series, round = rows.id(Learning), rows.id(Series), rows.id(Round)
        rows.add(
            Learning,
            id=learning,
            tenant_id=tenant,
            member_id=author,
            text="learned something",
            language="en",
            created_at=created,
            private=False,
        )
        rows.add(
            Series,
            id=series,
            kind="resurface",
            tenant_id=tenant,
            owner_member_id=author,
            subject=f"learning:{learning}",
            audience="member",
            audience_member_ids=[author],
            offsets_days=[1],
            window_seconds=86_400,
            settings={},
            paused=False,
            created_at=created,
        )
        due = created + timedelta(days=1)
        rows.add(
            Round,
            id=round,
            kind="resurface",
            series_id=series,
            tenant_id=tenant,
            due_at=due,
            closes_at=due + timedelta(days=1),
            state="closed",
            summary=False,
            anonymous=False,
            context={},
            created_at=due,
        )
        rows.add(
            Delivery,
            id=rows.id(Delivery),
            idempotency_key=f"res{round}",
            purpose="invitation",
            tenant_id=tenant,
            round_id=round,
            member_id=author,
            due_at=due,
            state="sent",
            not_before=due,
            attempts=1,
            created_at=due,
        )
        if rng.random() < 0.7:
            asked_answers += 1
            rows.add(
                Response,
                id=rows.id(Response),
                round_id=round,
                respondent=f"m{author}",
                member_id=author,
                answers={"outcome": rng.choice(["yes", "not_yet"])},
                late=False,
                created_at=due,
                updated_at=due,
            )
    # Prompts to everyone until the answers are reached.
    remaining = answers - asked_answers
    while remaining > 0:
        round, due = rows.id(Round), _moment(rng)
        anonymous = rng.random() < 0.1
        rows.add(
            Round,
            id=round,
            kind="nudge",
            tenant_id=tenant,
            conversation_id=channel,
            due_at=due,
            closes_at=due + timedelta(days=1),
            state="closed",
            summary=False,
            anonymous=anonymous,
            context={},
            created_at=due,
        )
        for member in members:
            rows.add(
                Delivery,
                id=rows.id(Delivery),
                idempotency_key=f"n{round}m{member}",
                purpose="invitation",
                tenant_id=tenant,
                round_id=round,
                member_id=member,
                due_at=due,
                state="sent",
                not_before=due,
                attempts=1,
                created_at=due,
            )
            if remaining > 0 and rng.random() < 0.75:
                remaining -= 1
                rows.add(
                    Response,
                    id=rows.id(Response),
                    round_id=round,
                    respondent=f"h{round}-{member}" if anonymous else f"m{member}",
                    member_id=None if anonymous else member,
                    answers={"text": "an answer"},
                    late=False,
                    created_at=due,
                    updated_at=due,
                )
    for _ in range(6):
        retro, closed = rows.id(Retro), _moment(rng)
        rows.add(
            Retro,
            id=retro,
            tenant_id=tenant,
            conversation_id=channel,
            template="start-stop-continue",
            anonymous=False,
            votes_per_member=0,
            phase="closed",
            answered=10,
            created_at=closed,
            closed_at=closed,
        )
        for _ in range(3):
            done = closed + timedelta(days=rng.randrange(20))
            rows.add(
                RetroAction,
                id=rows.id(RetroAction),
                tenant_id=tenant,
                conversation_id=channel,
                retro_id=retro,
                text="do it",
                owner_member_id=rng.choice(members),
                due_on=(closed + timedelta(days=10)).date(),
                done_at=done if done < NOW and rng.random() < 0.7 else None,
                created_at=closed,
            )
    for index in range(0, MEMBERS, 2):
        pair = rows.id(MentorPair)
        rows.add(
            MentorPair,
            id=pair,
            tenant_id=tenant,
            mentor_member_id=members[index],
            mentee_member_id=members[index + 1],
            cadence="biweekly",
            state="active",
            created_at=NOW,
        )
        for week in range(0, DAYS // 7, 2):
            rows.add(
                MentorMeeting,
                id=rows.id(MentorMeeting),
                pair_id=pair,
                due_at=NOW - timedelta(weeks=week),
                met=rng.random() < 0.8,
                follow_up=False,
                answered=2,
            )
    for _ in range(10):
        created = _moment(rng)
        rows.add(
            LearningGoal,
            id=rows.id(LearningGoal),
            tenant_id=tenant,
            member_id=rng.choice(members),
            text="goal",
            shared=False,
            created_at=created,
            done_at=created if rng.random() < 0.5 else None,
        )


ORDER = (
    Tenant,
    Member,
    Conversation,
    ConversationMember,
    Learning,
    Series,
    Round,
    Delivery,
    Response,
    Retro,
    RetroAction,
    MentorPair,
    MentorMeeting,
    LearningGoal,
)


def _defaults(table: Any) -> dict[str, Any]:
    """The Python-side column defaults the ORM would fill in (False, 0, {}, [])."""
    found = {}
    for column in table.__table__.columns:
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            found[column.name] = default.arg
        elif default is not None and getattr(default, "is_callable", False):
            found[column.name] = default.arg(None)
    return found


def _chunks(table: Any, values: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Batches whose rows all name the same columns (an executemany needs that): defaults filled, else NULL."""
    defaults = _defaults(table)
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        columns = set(defaults).union(*chunk)
        yield [{column: row.get(column, defaults.get(column)) for column in columns} for row in chunk]


def _stored(value: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite (the build writes with sqlite3 directly: 1M rows in seconds)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


async def build(path: Path, total_answers: int) -> int:
    """The SQLite database at `path` with the measured team (tenant T0) and others up to `total_answers`."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    await engine.dispose()
    rng = random.Random(0)
    others = max(0, (total_answers - TEAM_ANSWERS) // TEAM_ANSWERS)
    extra_learnings = (100_000 - TEAM_LEARNINGS) // others if others else 0
    stored = 0
    rows = Rows()
    with sqlite3.connect(path) as connection:
        register_sqlite_functions(connection)  # the learnings' full-text triggers call it
        for number in range(others + 1):
            team_rows(rows, rng, number, TEAM_ANSWERS, TEAM_LEARNINGS if number == 0 else extra_learnings)
            if number % 5 == 4 or number == others:
                for table in ORDER:
                    for chunk in _chunks(table, rows.buffers.pop(table, [])):
                        columns = list(chunk[0])
                        statement = (
                            f"INSERT INTO {table.__tablename__} ({', '.join(columns)}) "
                            f"VALUES ({', '.join('?' for _ in columns)})"
                        )
                        connection.executemany(statement, [[_stored(row[c]) for c in columns] for row in chunk])
                        stored += len(chunk) if table is Response else 0
        connection.execute("ANALYZE")
    return stored


async def time_scorecard(url: str, repeat: int) -> dict[str, float]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    from bot.conversations import indicators as c
    from bot.goals import indicators as g
    from bot.learning import indicators as lr
    from bot.mentoring import indicators as m
    from bot.retros import indicators as r

    scorecard = Scorecard(Rule(), (*c.INDICATORS, *lr.INDICATORS, *r.INDICATORS, *m.INDICATORS, *g.INDICATORS))
    times: dict[str, float] = {}
    async with sessions() as session:
        for scope in ("workspace", "channel"):
            team = Team(1, None) if scope == "workspace" else Team(1, 1, "#room-0")
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                card = await scorecard.card(session, team, rolling(NOW))
                runs.append(time.perf_counter() - started)
            assert not card.all_withheld
            times[scope] = statistics.median(runs)
    await engine.dispose()
    return times


def peak_memory_of_report(url: str, folder: Path) -> int:
    """Peak RSS (KiB) of `learnbot report` in a fresh interpreter: VmHWM, the high-water mark of the new
    process image (getrusage's ru_maxrss would carry over this large parent's peak through fork and exec)."""
    code = (
        "import re, sys; from adapters.cli import main; "
        f"rc = main(['report', '--team', 'bench:T0', '--csv', {str(folder / 'r.csv')!r}, "
        f"'--png', {str(folder / 'r.png')!r}]); "
        "peak = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1); "
        "print('PEAK', peak, file=sys.stderr); sys.exit(rc)"
    )
    environment = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return int(next(line.split()[1] for line in result.stderr.splitlines() if line.startswith("PEAK")))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"machine load (uptime): {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for label, answers in (("small", TEAM_ANSWERS), ("large", args.answers)):
            path = Path(folder) / f"{label}.db"
            url = f"sqlite+aiosqlite:///{path}"
            started = time.perf_counter()
            stored = await build(path, answers)
            print(f"{label}: {stored:,} answers stored in {time.perf_counter() - started:.0f} s")
            times = await time_scorecard(url, args.repeat)
            memory = peak_memory_of_report(url, Path(folder))
            results[label] = (times, memory)
            print(
                f"{label}: scorecard workspace {times['workspace'] * 1000:.1f} ms, channel "
                f"{times['channel'] * 1000:.1f} ms (median of {args.repeat}); report peak RSS {memory / 1024:.1f} MiB"
            )
        (small_times, small_memory), (large_times, large_memory) = results["small"], results["large"]
        for scope in ("workspace", "channel"):
            ratio = large_times[scope] / small_times[scope]
            print(f"time ratio large/small, {scope}: {ratio:.2f} (target <= 3)")
        print(f"peak memory ratio large/small of learnbot report: {large_memory / small_memory:.2f} (target <= 1.5)")


if __name__ == "__main__":
    asyncio.run(main())
