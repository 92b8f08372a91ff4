"""Learning-circle matching benchmark: one round for 2,000 opted-in members with six months of fortnightly
history, against the same for 200 members, with both absolute times and their ratio.

    python benchmarks/matching.py [--large 2000] [--small 200] [--repeat 3] [--size 2|3|4]

Target: the 2,000-member round under 10 s on one core. History: every member met one partner per fortnight for
six months (13 rounds), drawn at random, so the repeat penalty has real work to do.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.circles.matching import Candidate, History, match_round

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOPICS = ["kubernetes", "python", "design", "sales", "security", "testing", "finance", "support"]


def circle(count: int, seed: int) -> tuple[list[Candidate], History]:
    rng = random.Random(seed)
    members = [
        Candidate(
            member_id=number,
            team=f"team{number % 40}",
            utc_offset_hours=rng.choice([0, 1, 1, 1, 2, -5, 8]),
            topics=frozenset(rng.sample(TOPICS, 2)),
            paused=rng.random() < 0.03,
            avoid=frozenset({rng.randrange(1, count + 1)}) if rng.random() < 0.02 else frozenset(),
        )
        for number in range(1, count + 1)
    ]
    history = History()
    ids = [member.member_id for member in members]
    for fortnight in range(1, 14):
        rng.shuffle(ids)
        for index in range(0, len(ids) - 1, 2):
            history.record((ids[index], ids[index + 1]), NOW - timedelta(weeks=2 * fortnight))
    return members, history


def one_round(count: int, repeat: int, size: int) -> tuple[float, int]:
    members, history = circle(count, seed=count)
    best = float("inf")
    groups = 0
    for _ in range(repeat):
        started = time.perf_counter()
        matches = match_round(members, history, NOW, size=size)
        best = min(best, time.perf_counter() - started)
        groups = len(matches)
    return best, groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", type=int, default=2000)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", type=int, default=2, choices=(2, 3, 4), help="group size of the circle")
    args = parser.parse_args()
    small, small_groups = one_round(args.small, args.repeat, args.size)
    large, large_groups = one_round(args.large, args.repeat, args.size)
    print(f"group size {args.size}")
    print(f"{args.small:>6} members: {small:8.3f} s  ({small_groups} groups)")
    print(f"{args.large:>6} members: {large:8.3f} s  ({large_groups} groups)")
    print(f"ratio {args.large}/{args.small}: {large / small:.1f}  (target: {args.large} members under 10 s)")
    sys.exit(0 if large < 10 else 1)


if __name__ == "__main__":
    main()
