"""The one k-anonymity rule every figure shown to a manager goes through.

No figure about fewer than K people (K = 5, configurable upward only), and no figure that two shown figures
reveal by subtraction: when one group lies inside another (a team and a sub-team, all answers and Danish
answers) and the difference holds fewer than K people, the smaller figure is withheld too, since the larger
minus the smaller would describe those few. A withheld figure carries the reason, so it can be said.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

MINIMUM_K = 5
Reason = Literal["too_few", "difference_too_few"]
Value = TypeVar("Value")


@dataclass(frozen=True)
class Group(Generic[Value]):
    """A figure about a set of people: `people` are whatever identifies them (member ids, hashes)."""

    key: str
    people: frozenset[Hashable]
    value: Value


@dataclass(frozen=True)
class Shown(Generic[Value]):
    key: str
    value: Value


@dataclass(frozen=True)
class Withheld:
    key: str
    reason: Reason
    k: int


def threshold(k: int | None = None) -> int:
    """K as configured: never below MINIMUM_K."""
    if k is not None and k < MINIMUM_K:
        raise ValueError(f"k-anonymity cannot go below {MINIMUM_K} (got {k})")
    return k or MINIMUM_K


def apply(groups: Sequence[Group[Value]], k: int | None = None) -> list[Shown[Value] | Withheld]:
    """Each group's figure, or why it is withheld, in the order given."""
    limit = threshold(k)
    withheld: dict[str, Reason] = {group.key: "too_few" for group in groups if len(group.people) < limit}
    # Suppressing one figure can expose another pair, so repeat until nothing changes.
    changed = True
    while changed:
        changed = False
        shown = [group for group in groups if group.key not in withheld]
        for smaller in shown:
            for larger in shown:
                if larger is smaller or not smaller.people < larger.people:
                    continue
                if 0 < len(larger.people - smaller.people) < limit:
                    withheld[smaller.key] = "difference_too_few"
                    changed = True
                    break
            if changed:
                break
    return [
        Withheld(group.key, withheld[group.key], limit) if group.key in withheld else Shown(group.key, group.value)
        for group in groups
    ]


def single(people: Iterable[Hashable], value: Value, k: int | None = None) -> Shown[Value] | Withheld:
    """One figure on its own."""
    return apply([Group("figure", frozenset(people), value)], k)[0]


def reason_key(withheld: Withheld) -> str:
    """The catalog key that says why a figure is withheld (parameter: k)."""
    return f"privacy.withheld_{withheld.reason}"


@dataclass(frozen=True)
class Rule:
    """The rule with the team's K (the K_ANONYMITY setting), created once in the composition root."""

    k: int = MINIMUM_K

    def __post_init__(self) -> None:
        threshold(self.k)

    def apply(self, groups: Sequence[Group[Value]]) -> list[Shown[Value] | Withheld]:
        return apply(groups, self.k)

    def single(self, people: Iterable[Hashable], value: Value) -> Shown[Value] | Withheld:
        return single(people, value, self.k)


def by_key(results: Sequence[Shown[Value] | Withheld]) -> Mapping[str, Shown[Value] | Withheld]:
    return {result.key: result for result in results}
