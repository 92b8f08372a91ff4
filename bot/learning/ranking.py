"""Ranking the newest matches of a search on SQLite: BM25 over the candidates, in Python.

FTS5's own bm25() first counts every entry holding each query word (its IDF) by reading that word's whole
doclist: for a word in every eighth of a million entries that alone takes a hundred milliseconds, even when only
a few hundred matches are scored, and one common word in a query with rare ones pays it too. The candidates are at
most MAX_RANKED entries, so they are scored here instead, with the IDF taken among them: every candidate of an
"every word" search holds every word, so there the weights come down to how often and how densely an entry holds
them; for "any word" (related learnings) a word few candidates share weighs more.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.stemming import INDEX_LANGUAGES, stem_words, without_accents, words

# The usual BM25 constants (also FTS5's defaults).
K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Candidate:
    id: int
    text: str
    created_at: datetime


def term_frequencies(text: str, wanted: Sequence[dict[str, str]]) -> tuple[list[int], int]:
    """How often `text` holds each query word (a word matches when some index language stems both alike, as in
    the index), and how many words it has."""
    tokens = words(text)
    # Snowball's Danish, Swedish and English stemmers only change a word's ending, so a word whose first letter
    # begins none of the wanted stems cannot match: only the others are stemmed.
    firsts = {stem[:1] for word in wanted for stem in word.values()}
    maybe = [
        token for token in tokens if token[0] in firsts or (not token.isascii() and without_accents(token[0]) in firsts)
    ]
    if not maybe:
        return [0] * len(wanted), len(tokens)
    stems = [stem_words(maybe, language) for language in INDEX_LANGUAGES]
    counts = []
    for word in wanted:
        counts.append(
            sum(
                1
                for index in range(len(maybe))
                if any(stems[number][index] == word[language] for number, language in enumerate(INDEX_LANGUAGES))
            )
        )
    return counts, len(tokens)


def best_first(candidates: Sequence[Candidate], wanted: Sequence[dict[str, str]]) -> list[int]:
    """Candidate ids, best BM25 score first, then newest."""
    if not candidates:
        return []
    scored = [(candidate, *term_frequencies(candidate.text, wanted)) for candidate in candidates]
    average = sum(length for _, _, length in scored) / len(scored) or 1.0
    total = len(scored)
    holding = [sum(1 for _, counts, _ in scored if counts[index]) for index in range(len(wanted))]
    weights = [math.log(1 + (total - df + 0.5) / (df + 0.5)) for df in holding]

    def score(counts: list[int], length: int) -> float:
        norm = K1 * (1 - B + B * length / average)
        return sum(weight * count * (K1 + 1) / (count + norm) for weight, count in zip(weights, counts, strict=True))

    ranked = sorted(scored, key=lambda item: (-score(item[1], item[2]), -item[0].created_at.timestamp(), -item[0].id))
    return [candidate.id for candidate, _, _ in ranked]
