"""One round of a learning circle: members matched into pairs, trios or groups of four by a maximum-weight matching.

Every candidate pair gets a weight: a large base (so the matching never leaves anyone out to gain weight), minus
a penalty for having met (heavy within REPEAT_WINDOW, then decaying over months), plus a reward for crossing
teams and for shared learning topics, minus a penalty per hour of time-zone distance. Paused and opted-out
members are not candidates, and a "don't pair me with" is no edge at all. An odd count makes one trio; who is in
it rotates (whoever was in a trio longest ago). Trios (size 3) are pairs joined by a single each, the weakest pairs
of the matching giving up their members as singles; groups of four are two matched pairs. Each match says why.

For large circles each member keeps only their NEIGHBOURS best candidates as edges, and circles above BLOCK
members are matched in blocks of members close in time zone (the blossom algorithm grows with the cube of the
members): the 2,000-member round stays within seconds (benchmarks/matching.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import networkx as nx

BASE = 10_000.0
REPEAT_WINDOW = timedelta(days=92)  # "no repeat within 3 months when avoidable"
RECENT_REPEAT_PENALTY = 5_000.0
REPEAT_PENALTY = 100.0
REPEAT_DECAY_DAYS = 120.0
CROSS_TEAM_REWARD = 20.0
SHARED_TOPIC_REWARD = 5.0
TIME_ZONE_PENALTY = 3.0  # per hour apart
NEIGHBOURS = 12
BLOCK = 250
GROUP_SIZES = (2, 3, 4)
TRIO_ATTEMPTS = 6  # choices of which pairs give up their members, when the first leaves someone out


@dataclass(frozen=True)
class Candidate:
    member_id: int
    team: str | None = None
    utc_offset_hours: float = 0.0
    topics: frozenset[str] = frozenset()
    paused: bool = False
    opted_out: bool = False
    avoid: frozenset[int] = frozenset()  # "don't pair me with"


@dataclass
class History:
    """When pairs met (each pair once, unordered) and when each member was last in a trio."""

    met: dict[frozenset[int], list[datetime]] = field(default_factory=dict)
    last_trio: dict[int, datetime] = field(default_factory=dict)

    def record(self, group: Iterable[int], at: datetime) -> None:
        members = sorted(group)
        for index, first in enumerate(members):
            for second in members[index + 1 :]:
                self.met.setdefault(frozenset((first, second)), []).append(at)
        if len(members) == 3:
            for member in members:
                self.last_trio[member] = at


@dataclass(frozen=True)
class Match:
    member_ids: tuple[int, ...]
    reasons: tuple[tuple[str, Mapping[str, object]], ...]  # catalog keys under circles.reason_, with parameters


def weight(first: Candidate, second: Candidate, history: History, now: datetime) -> float:
    score = BASE
    for met_at in history.met.get(frozenset((first.member_id, second.member_id)), ()):
        age = now - met_at
        score -= RECENT_REPEAT_PENALTY if age < REPEAT_WINDOW else 0.0
        score -= REPEAT_PENALTY * math.exp(-age.days / REPEAT_DECAY_DAYS)
    if first.team and second.team and first.team != second.team:
        score += CROSS_TEAM_REWARD
    score += SHARED_TOPIC_REWARD * min(len(first.topics & second.topics), 3)
    score -= TIME_ZONE_PENALTY * abs(first.utc_offset_hours - second.utc_offset_hours)
    return score


def _allowed(first: Candidate, second: Candidate) -> bool:
    return second.member_id not in first.avoid and first.member_id not in second.avoid


def _graph(people: list[Candidate], history: History, now: datetime) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(person.member_id for person in people)
    dense = len(people) <= 2 * NEIGHBOURS
    for index, first in enumerate(people):
        options = [
            (weight(first, second, history, now), second.member_id)
            for second in (people[index + 1 :] if dense else people)
            if second.member_id != first.member_id and _allowed(first, second)
        ]
        if not dense:
            options = sorted(options, reverse=True)[:NEIGHBOURS]
        for score, other in options:
            graph.add_edge(first.member_id, other, weight=score)
    return graph


def _reasons(group: list[Candidate], history: History, now: datetime) -> tuple[tuple[str, Mapping[str, object]], ...]:
    reasons: list[tuple[str, Mapping[str, object]]] = []
    shared = frozenset.intersection(*(person.topics for person in group))
    if shared:
        reasons.append(("topics", {"topics": ", ".join(f"#{topic}" for topic in sorted(shared)[:3])}))
    teams = {person.team for person in group if person.team}
    if len(teams) > 1:
        reasons.append(("cross_team", {"teams": ", ".join(sorted(teams))}))
    ids = [person.member_id for person in group]
    met = [at for i, a in enumerate(ids) for b in ids[i + 1 :] for at in history.met.get(frozenset((a, b)), ())]
    if not met:
        reasons.append(("first_time", {}))
    else:
        reasons.append(("last_met", {"months": max(1, (now - max(met)).days // 30)}))
    return tuple(reasons)


def _trio_extra(people: list[Candidate], history: History, now: datetime) -> Candidate:
    """Who joins a pair this round: whoever was in a trio longest ago (never, first)."""
    never = datetime.min.replace(tzinfo=now.tzinfo)
    return min(people, key=lambda person: (history.last_trio.get(person.member_id, never), person.member_id))


def match_round(candidates: Iterable[Candidate], history: History, now: datetime, *, size: int = 2) -> list[Match]:
    """This round's groups, the heaviest matching networkx finds; the caller records them in `history`."""
    if size not in GROUP_SIZES:
        raise ValueError(f"group size {size} is not one of {GROUP_SIZES}")
    people = sorted(
        (person for person in candidates if not person.paused and not person.opted_out), key=lambda p: p.member_id
    )
    by_id = {person.member_id: person for person in people}
    if size == 3:
        # Large circles in blocks of members close in time zone, as for pairs: the matchings stay small.
        trios = [group for block in _blocks(people) for group in _trios(block, by_id, history, now)]
        return _described(sorted(trios), by_id, history, now)
    extra: Candidate | None = None
    if len(people) % 2 == 1 and len(people) >= 3:
        extra = _trio_extra(people, history, now)
        people = [person for person in people if person is not extra]
    groups: list[list[int]] = sorted(
        sorted(edge) for block in _blocks(people) for edge in _matching(block, history, now)
    )
    if size == 4 and len(groups) >= 2:
        groups = _pairs_into_fours(groups, by_id, history, now)
    if extra is not None:
        pairs = [group for group in groups if len(group) == 2 and all(_allowed(extra, by_id[m]) for m in group)]
        if pairs:
            best = max(pairs, key=lambda group: sum(weight(extra, by_id[m], history, now) for m in group))
            best.append(extra.member_id)
    return _described(groups, by_id, history, now)


def _described(groups: list[list[int]], by_id: Mapping[int, Candidate], history: History, now: datetime) -> list[Match]:
    # Whoever cannot be placed (every edge excluded) sits this round out rather than being forced on someone.
    return [
        Match(tuple(sorted(group)), _reasons([by_id[m] for m in group], history, now))
        for group in groups
        if len(group) > 1
    ]


def _group_weight(
    person: Candidate, group: list[int], by_id: Mapping[int, Candidate], history: History, now: datetime
) -> float:
    return sum(weight(person, by_id[member], history, now) for member in group)


def _trios(people: list[Candidate], by_id: Mapping[int, Candidate], history: History, now: datetime) -> list[list[int]]:
    """Groups of three: a third of the members are singles, each joining one pair of the matching (a second
    matching, pairs against singles). A count not divisible by three leaves one pair, or one group of four.

    The weakest pairs give up their members as singles (they lose the least); when a "don't pair me with" leaves
    a single with no group, the next weakest pairs are tried instead, a few times."""
    matched = [sorted(edge) for edge in _matching(people, history, now)]
    placed = {member for pair in matched for member in pair}
    unmatched = [person.member_id for person in people if person.member_id not in placed]
    matched.sort(key=lambda pair: (weight(by_id[pair[0]], by_id[pair[1]], history, now), pair))
    breaking = max(0, -(-(len(people) // 3 - len(unmatched)) // 2))
    best: tuple[int, list[list[int]]] | None = None
    for shift in range(min(TRIO_ATTEMPTS, max(1, len(matched) - breaking + 1))):
        broken = matched[shift : shift + breaking]
        kept = matched[:shift] + matched[shift + breaking :]
        singles = unmatched + [member for pair in broken for member in pair]
        groups, left_out = _join_singles(kept, singles, by_id, history, now)
        if best is None or left_out < best[0]:
            best = (left_out, groups)
        if left_out == 0:
            break
    assert best is not None
    return sorted(sorted(group) for group in best[1])


def _join_singles(
    pairs: list[list[int]], singles: list[int], by_id: Mapping[int, Candidate], history: History, now: datetime
) -> tuple[list[list[int]], int]:
    """Each single into one pair (the heaviest such matching); a single left over joins the group it fits best.
    Returns the groups and how many could be placed nowhere."""
    graph = nx.Graph()
    dense = len(pairs) <= 2 * NEIGHBOURS
    for single in singles:
        options = [
            (BASE + _group_weight(by_id[single], pair, by_id, history, now), index)
            for index, pair in enumerate(pairs)
            if all(_allowed(by_id[single], by_id[member]) for member in pair)
        ]
        if not dense:  # as for pairs: each single keeps its best candidates, so large circles stay fast
            options = sorted(options, reverse=True)[:NEIGHBOURS]
        for score, index in options:
            graph.add_edge(("pair", index), ("single", single), weight=score)
    groups = [list(pair) for pair in pairs]
    joined: set[int] = set()
    for first, second in nx.max_weight_matching(graph, maxcardinality=True):
        (_, index), (_, single) = sorted((first, second), key=lambda node: str(node[0]))
        groups[int(index)].append(int(single))
        joined.add(int(single))
    left_out = 0
    for single in (single for single in singles if single not in joined):
        fitting = [group for group in groups if all(_allowed(by_id[single], by_id[m]) for m in group)]
        if not fitting:
            left_out += 1
            continue
        # The smallest group first (a pair becomes a trio before a trio becomes a four).
        fit = max(fitting, key=lambda group: (-len(group), _group_weight(by_id[single], group, by_id, history, now)))
        fit.append(single)
    return groups, left_out


def _blocks(people: list[Candidate]) -> list[list[Candidate]]:
    if len(people) <= BLOCK:
        return [people]
    ordered = sorted(people, key=lambda person: (person.utc_offset_hours, person.member_id))
    count = -(-len(ordered) // BLOCK)
    size = -(-len(ordered) // count)
    size += size % 2  # even blocks, so only the last can leave someone unmatched
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


def _matching(people: list[Candidate], history: History, now: datetime) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = nx.max_weight_matching(_graph(people, history, now), maxcardinality=True)
    return found


def _pairs_into_fours(
    pairs: list[list[int]], by_id: Mapping[int, Candidate], history: History, now: datetime
) -> list[list[int]]:
    graph = nx.Graph()
    for index, first in enumerate(pairs):
        for other_index in range(index + 1, len(pairs)):
            second = pairs[other_index]
            if all(_allowed(by_id[a], by_id[b]) for a in first for b in second):
                score = sum(weight(by_id[a], by_id[b], history, now) for a in first for b in second)
                graph.add_edge(index, other_index, weight=score)
    joined = nx.max_weight_matching(graph, maxcardinality=True)
    used = {index for edge in joined for index in edge}
    fours = [sorted(pairs[a] + pairs[b]) for a, b in joined]
    return sorted(fours) + [pairs[index] for index in range(len(pairs)) if index not in used]
