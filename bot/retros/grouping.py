"""Similar items grouped per question, offline in Danish, Swedish and English: stemmed word overlap.

Each item joins the existing group it shares the most stems with (Jaccard overlap at least `THRESHOLD`), found
through an index from stem to groups, so a close stays about linear in the number of items.
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
    stems: set[str] = field(default_factory=set)


def item_stems(text: str, language: str) -> set[str]:
    return {stem for stem in stem_words(words(text), language) if len(stem) >= _MIN_STEM}


def group_items(items: list[str], language: str) -> list[Group]:
    """`items` in groups of similar ones, in order of first appearance."""
    groups: list[Group] = []
    by_stem: dict[str, list[int]] = defaultdict(list)
    for text in items:
        stems = item_stems(text, language)
        best, best_score = None, 0.0
        seen: set[int] = set()
        for stem in stems:
            for index in by_stem[stem][-_CANDIDATES:]:
                if index in seen:
                    continue
                seen.add(index)
                other = groups[index].stems
                score = len(stems & other) / len(stems | other)
                if score > best_score:
                    best, best_score = index, score
        if best is not None and best_score >= THRESHOLD:
            groups[best].items.append(text)
            for stem in stems - groups[best].stems:
                by_stem[stem].append(best)
            groups[best].stems |= stems
            continue
        groups.append(Group([text], set(stems)))
        for stem in stems:
            by_stem[stem].append(len(groups) - 1)
    return groups
