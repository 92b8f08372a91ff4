"""Votes as item numbers ("1 1 4"), counted the same way when a member is told and when the round is tallied:
in the order given, at most `MAX_ON_ONE_ITEM` on one item and `budget` in all; anything else is not counted."""

from __future__ import annotations

import re
from collections import Counter

MAX_ON_ONE_ITEM = 3
DEFAULT_VOTES = 5
MIN_VOTES, MAX_VOTES = 1, 12
_NUMBER = re.compile(r"\d{1,5}", re.ASCII)


def counted_votes(text: str, items: int, budget: int) -> Counter[int]:
    counted: Counter[int] = Counter()
    for match in _NUMBER.finditer(text):
        number = int(match.group())
        if sum(counted.values()) >= budget:
            break
        if 1 <= number <= items and counted[number] < MAX_ON_ONE_ITEM:
            counted[number] += 1
    return counted
