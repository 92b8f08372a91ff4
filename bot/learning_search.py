"""Full-text search over the learning log, in the database's own index.

SQLite: the FTS5 table `learnings_fts` (porter stemming), ranked by bm25. PostgreSQL: the generated
`search_vector` column (danish/swedish/english by the entry's language), ranked by ts_rank. Both indexes are
created by migration 0001. User text never reaches the query syntax: it is reduced to words first.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_WORD = re.compile(r"\w+")
MAX_QUERY_WORDS = 16
# Counting every match of a very common word costs as much as a scan; beyond this we say "1000+".
MAX_COUNTED = 1000


def query_words(query: str) -> list[str]:
    return _WORD.findall(query.casefold())[:MAX_QUERY_WORDS]


async def search_ids(
    session: AsyncSession, tenant_id: int, query: str, *, offset: int, limit: int
) -> tuple[list[int], int]:
    """Ids of matching learnings for one page, best first, and the number of matches (at most MAX_COUNTED + 1)."""
    words = query_words(query)
    if not words:
        return [], 0
    if session.get_bind().dialect.name == "postgresql":
        return await _search_postgresql(session, tenant_id, " ".join(words), offset, limit)
    return await _search_sqlite(session, tenant_id, words, offset, limit)


async def _search_sqlite(
    session: AsyncSession, tenant_id: int, words: list[str], offset: int, limit: int
) -> tuple[list[int], int]:
    # Every word must match; each is quoted so FTS5 operators in user text are just words.
    match = " ".join('"' + word.replace('"', "") + '"' for word in words)
    where = "learnings_fts MATCH :match AND l.tenant_id = :tenant"
    params = {"match": match, "tenant": tenant_id}
    total = await session.scalar(
        text(
            "SELECT count(*) FROM (SELECT 1 FROM learnings_fts JOIN learnings l ON l.id = learnings_fts.rowid "
            f"WHERE {where} LIMIT {MAX_COUNTED + 1})"
        ),
        params,
    )
    rows = await session.execute(
        text(
            "SELECT l.id FROM learnings_fts JOIN learnings l ON l.id = learnings_fts.rowid "
            f"WHERE {where} ORDER BY bm25(learnings_fts), l.created_at DESC LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": limit, "offset": offset},
    )
    return [row[0] for row in rows], total or 0


# The query is stemmed in each language and OR-ed, because the searcher's language need not be the author's.
_PG_QUERY = (
    "(plainto_tsquery('pg_catalog.english', :q) || plainto_tsquery('pg_catalog.danish', :q)"
    " || plainto_tsquery('pg_catalog.swedish', :q))"
)


async def _search_postgresql(
    session: AsyncSession, tenant_id: int, words: str, offset: int, limit: int
) -> tuple[list[int], int]:
    params = {"q": words, "tenant": tenant_id}
    where = f"tenant_id = :tenant AND search_vector @@ {_PG_QUERY}"
    total = await session.scalar(
        text(f"SELECT count(*) FROM (SELECT 1 FROM learnings WHERE {where} LIMIT {MAX_COUNTED + 1}) AS matches"), params
    )
    rows = await session.execute(
        text(
            f"SELECT id FROM learnings WHERE {where} "
            f"ORDER BY ts_rank(search_vector, {_PG_QUERY}) DESC, created_at DESC LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": limit, "offset": offset},
    )
    return [row[0] for row in rows], total or 0
