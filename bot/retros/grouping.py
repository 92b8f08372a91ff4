"""Similar items grouped per question, offline in Danish, Swedish and English: stemmed word overlap.

Each item joins the earlier group whose first item shares the most stems with it (Jaccard overlap at least
`THRESHOLD`); comparing with the first item rather than the growing group keeps groups from drifting into one
another. Candidates come from an index from stem to groups, at most `_CANDIDATES` per stem, so a close stays
linear in the number of items.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bot.db.stemming import stem_words, words

THRESHOLD = 0.5
# Short function words carry no meaning for grouping ("the", "og", "och").
_MIN_STEM = 3
# How many groups sharing a stem are compared at most (keeps a very common stem from going quadratic).
_CANDIDATES = 32


@dataclass
class Group:
    items: list[str] = field(default_factory=list)
    stems: frozenset[str] = field(default_factory=frozenset)  # the first item's


def item_stems(text: str, language: str) -> frozenset[str]:
    return frozenset(stem for stem in stem_words(words(text), language) if len(stem) >= _MIN_STEM)


def group_items(items: list[str], language: str) -> list[Group]:
    """`items` in groups of similar ones, in order of first appearance."""
    groups: list[Group] = []
    by_stem: dict[str, list[int]] = defaultdict(list)
    for text in items:
        stems = item_stems(text, language)
        best, best_score = -1, 0.0
        candidates = {index for stem in stems for index in by_stem[stem][-_CANDIDATES:]}
        for index in candidates:
            other = groups[index].stems
            score = len(stems & other) / len(stems | other)
            if score > best_score:
                best, best_score = index, score
        if best >= 0 and best_score >= THRESHOLD:
            groups[best].items.append(text)
            continue
        groups.append(Group([text], stems))
        for stem in stems:
            by_stem[stem].append(len(groups) - 1)
    return groups
