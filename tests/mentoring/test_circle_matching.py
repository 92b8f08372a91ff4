"""Circle matching: twelve fortnightly rounds over 50 members repeat no pair within three months, never match a
paused or opted-out member or a "don't pair me with", rotate the trio, and give every match a reason; on a small
pool the matching avoids recent repeats exactly as well as trying every possible pairing does."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from bot.circles.matching import REPEAT_WINDOW, Candidate, History, match_round

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _members(count: int, seed: int = 7) -> list[Candidate]:
    rng = random.Random(seed)
    topics = ["kubernetes", "python", "design", "sales", "security", "testing"]
    return [
        Candidate(
            member_id=number,
            team=f"team{number % 5}",
            utc_offset_hours=rng.choice([0, 1, 1, 1, 2, -5]),
            topics=frozenset(rng.sample(topics, 2)),
        )
        for number in range(1, count + 1)
    ]


def test_twelve_rounds_over_fifty_members() -> None:
    members = _members(50)
    members[3] = Candidate(4, "team4", paused=True)
    members[9] = Candidate(10, "team0", opted_out=True)
    members[20] = Candidate(21, "team1", avoid=frozenset({22}))
    history = History()
    trio_members: list[frozenset[int]] = []
    for number in range(12):
        now = START + timedelta(weeks=2 * number)
        matches = match_round(members, history, now)
        placed = [member for match in matches for member in match.member_ids]
        assert len(placed) == len(set(placed)) == 48  # everyone active, once
        assert 4 not in placed and 10 not in placed
        for match in matches:
            assert match.reasons, match
            assert not {21, 22} <= set(match.member_ids)
            ids = match.member_ids
            for index, first in enumerate(ids):
                for second in ids[index + 1 :]:
                    met = history.met.get(frozenset((first, second)), [])
                    assert all(now - at >= REPEAT_WINDOW for at in met), (first, second, now)
        trios = [frozenset(match.member_ids) for match in matches if len(match.member_ids) == 3]
        assert len(trios) == (1 if len(placed) % 2 else 0)
        trio_members += trios
        for match in matches:
            history.record(match.member_ids, now)
    # 48 active members are even: no trio; an odd pool is tested below.
    assert trio_members == []


def test_an_odd_pool_makes_one_trio_and_rotates_who_is_in_it() -> None:
    members = _members(11)
    history = History()
    in_trio: list[int] = []
    for number in range(6):
        now = START + timedelta(weeks=2 * number)
        matches = match_round(members, history, now)
        [trio] = [match for match in matches if len(match.member_ids) == 3]
        assert sum(len(match.member_ids) for match in matches) == 11
        in_trio += trio.member_ids
        for match in matches:
            history.record(match.member_ids, now)
    assert len(set(in_trio)) >= 11  # six trios of three: nobody twice before everyone once


def _perfect_matchings(people: list[int]) -> Iterator[list[tuple[int, int]]]:
    if not people:
        yield []
        return
    first, rest = people[0], people[1:]
    for index, second in enumerate(rest):
        for others in _perfect_matchings(rest[:index] + rest[index + 1 :]):
            yield [(first, second), *others]


def _recent(history: History, pair: tuple[int, ...], now: datetime) -> int:
    return sum(1 for at in history.met.get(frozenset(pair), []) if now - at < REPEAT_WINDOW)


def test_recent_repeats_are_as_few_as_brute_force_finds() -> None:
    rng = random.Random(3)
    for trial in range(20):
        members = _members(8, seed=trial)
        history = History()
        now = START + timedelta(days=200)
        # A random past: some pairs met recently, some long ago.
        for _ in range(10):
            first, second = rng.sample(range(1, 9), 2)
            history.record((first, second), now - timedelta(days=rng.choice([14, 40, 80, 150, 300])))

        best = min(
            sum(_recent(history, pair, now) for pair in matching) for matching in _perfect_matchings(list(range(1, 9)))
        )
        ours = sum(_recent(history, match.member_ids, now) for match in match_round(members, history, now))
        assert ours == best, trial


def test_groups_of_three_place_everyone_without_recent_repeats() -> None:
    for count in (30, 31, 32):
        members = _members(count, seed=count)
        members[5] = Candidate(6, "team1", paused=True)
        history = History()
        for number in range(6):  # three months of fortnightly rounds
            now = START + timedelta(weeks=2 * number)
            matches = match_round(members, history, now, size=3)
            sizes = sorted(len(match.member_ids) for match in matches)
            placed = [member for match in matches for member in match.member_ids]
            assert len(placed) == len(set(placed)) == count - 1 and 6 not in placed
            assert all(size == 3 for size in sizes[1:-1]) and set(sizes) <= {2, 3, 4}, sizes
            assert sizes.count(2) + sizes.count(4) <= 1, sizes  # only a count not divisible by three leaves one
            for match in matches:
                assert match.reasons
                ids = match.member_ids
                for index, first in enumerate(ids):
                    for second in ids[index + 1 :]:
                        assert not history.met.get(frozenset((first, second))), (first, second, now)
            for match in matches:
                history.record(match.member_ids, now)


def test_a_group_of_three_honours_dont_pair_me_with() -> None:
    members = [
        Candidate(1, avoid=frozenset({2, 3})),
        Candidate(2),
        Candidate(3),
        Candidate(4),
        Candidate(5),
        Candidate(6),
    ]
    matches = match_round(members, History(), START, size=3)
    for match in matches:
        assert not ({1, 2} <= set(match.member_ids) or {1, 3} <= set(match.member_ids))
    assert sorted(len(match.member_ids) for match in matches) == [3, 3]
