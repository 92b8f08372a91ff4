"""What else a learning-log search finds: entries kept by other features (answers to channel prompts, an
anonymous retro's learnings), shown below the learnings of the first page, each marked with where it came from.

A feature adds a `SearchSource` to `LearningLog.sources` in its install step; the log's commands ask every
source and render what they find, so the learning log names no other feature. A finding carries its author's
name only where one may be named: an anonymous one has none, and nothing in it leads back to anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.db.stemming import INDEX_LANGUAGES, query_stems, stem_words, words
from bot.learning.search import Filters, query_words

SHOWN = 3


@dataclass(frozen=True)
class Finding:
    text: str
    author: str | None  # None: no one is named (an anonymous retro's learning, say)
    where: str  # in the searcher's language, e.g. "answer to a prompt in #team"
    created_at: datetime
    score: int  # how often it holds the query words: best first


@dataclass(frozen=True)
class SourceQuery:
    tenant_id: int
    viewer_id: int  # whose search: sources show only what this member may see (their channels, say)
    words: list[str]
    filters: Filters


class SearchSource(Protocol):
    title_key: str  # the heading of its findings, a catalog key

    async def find(self, session: AsyncSession, t: Translator, query: SourceQuery) -> list[Finding]:
        """Findings matching every query word (and the filters), best first, at most SHOWN."""
        ...


def source_query(tenant_id: int, viewer_id: int, query: str, filters: Filters) -> SourceQuery | None:
    """The query for the sources, or None where there is nothing to look for (no words, tag or author)."""
    tokens = query_words(query)
    if not tokens and not filters.tags and filters.author_id is None:
        return None
    return SourceQuery(tenant_id, viewer_id, tokens, filters)


class Matcher:
    """The learning log's word forms for text without an index: a query word matches a word of the text when
    any of the index languages stems both alike (the text's language is not known)."""

    def __init__(self, tokens: list[str]) -> None:
        self._wanted = query_stems(tokens)
        self._wanted_stems = {word[language] for word in self._wanted for language in INDEX_LANGUAGES}

    def score(self, text: str) -> int:
        """How often `text` holds the query words, or 0 when one is missing (1 when there are no words)."""
        if not self._wanted:
            return 1
        tokens = words(text)
        stems = {language: stem_words(tokens, language) for language in INDEX_LANGUAGES}
        present = {stem for language in INDEX_LANGUAGES for stem in stems[language]}
        if not all(any(word[language] in present for language in INDEX_LANGUAGES) for word in self._wanted):
            return 0
        return sum(
            1
            for index in range(len(tokens))
            if any(stems[language][index] in self._wanted_stems for language in INDEX_LANGUAGES)
        )


def best_first(findings: list[Finding]) -> list[Finding]:
    findings.sort(key=lambda finding: (-finding.score, -finding.created_at.timestamp()))
    return findings[:SHOWN]
