"""Full-text search over the learning log, in the database's own index.

Word forms: every entry is indexed in Danish, Swedish and English word forms, whatever its author's language
setting, and a query word matches an entry when any of the three stems both alike (bot/db/stemming.py).
SQLite: the FTS5 table `learnings_fts` holds the Snowball stems in a column per language; matches are ranked
by BM25 in Python (bot/learning/ranking.py).
PostgreSQL: the generated `search_vector` column (danish, swedish and english configurations together), ranked
by ts_rank; each query word is also matched by its Snowball stems, so both databases agree where PostgreSQL's
older Swedish stemmer does not ("mötet" → möt). Both indexes come from migrations 0001, 0006 and 0019.

Only the newest MAX_RANKED matches are ranked (and MAX_COUNTED counted): a word in every tenth entry would
otherwise rank a hundred thousand rows to show five. User text never reaches the query syntax: it is reduced to
words first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, TEXT
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.stemming import INDEX_LANGUAGES, query_stems, words
from bot.learning.ranking import Candidate, best_first
from bot.learning.tables import Learning

MAX_QUERY_WORDS = 16
# Counting every match of a very common word costs as much as a scan; beyond this we say "1000+".
MAX_COUNTED = 1000
# Scoring a match is the costly part (bm25 reads every column's positions of it): the newest MAX_RANKED matches
# are ranked best first, the older counted ones follow newest first. A rare word has fewer matches than this.
MAX_RANKED = 200


def query_words(query: str) -> list[str]:
    return words(query)[:MAX_QUERY_WORDS]


@dataclass(frozen=True)
class Filters:
    """What narrows a search besides its words. Private entries are never among the results."""

    author_id: int | None = None
    since: datetime | None = None
    tags: tuple[str, ...] = ()
    exclude_author_id: int | None = None  # related learnings: a colleague's, not one's own
    exclude_ids: tuple[int, ...] = field(default=())

    def sql(self) -> tuple[str, dict[str, object]]:
        """Extra conditions on `l` (the learnings row), with their parameters; never user text in the SQL."""
        conditions = ["NOT l.private"]
        params: dict[str, object] = {}
        if self.author_id is not None:
            conditions.append("l.member_id = :f_author")
            params["f_author"] = self.author_id
        if self.exclude_author_id is not None:
            conditions.append("l.member_id != :f_not_author")
            params["f_not_author"] = self.exclude_author_id
        if self.since is not None:
            conditions.append("l.created_at >= :f_since")
            params["f_since"] = self.since
        for index, tag in enumerate(self.tags):
            conditions.append(
                f"EXISTS (SELECT 1 FROM learning_tags t WHERE t.learning_id = l.id AND t.tag = :f_tag{index})"
            )
            params[f"f_tag{index}"] = tag
        for index, learning_id in enumerate(self.exclude_ids):
            conditions.append(f"l.id != :f_not_id{index}")
            params[f"f_not_id{index}"] = learning_id
        return " AND ".join(conditions), params


async def search_ids(
    session: AsyncSession,
    tenant_id: int,
    query: str,
    *,
    offset: int,
    limit: int,
    filters: Filters = Filters(),
    any_word: bool = False,
) -> tuple[list[int], int]:
    """Ids of matching learnings for one page, best first, and the number of matches (at most MAX_COUNTED + 1).
    Every word must match, or with `any_word` at least one (similar learnings: the ranking does the rest)."""
    tokens = query_words(query)
    if not tokens:
        return [], 0
    if session.get_bind().dialect.name == "postgresql":
        return await _search_postgresql(session, tenant_id, tokens, offset, limit, filters, any_word)
    return await _search_sqlite(session, tenant_id, tokens, offset, limit, filters, any_word)


def fts5_match(tokens: list[str], *, any_word: bool = False) -> str:
    """An FTS5 query: every word must match, each in the language columns whose stemmer gives that stem.

    "mötet" becomes `({da} : "mötet" OR {sv} : "möt" OR {en} : "motet")`. Stems are letters and digits only,
    so no FTS5 operator can come from user text.
    """
    groups = []
    for stems in query_stems(tokens):
        columns_by_stem: dict[str, list[str]] = {}
        for language in INDEX_LANGUAGES:
            columns_by_stem.setdefault(stems[language], []).append(language)
        alternatives = [f'{{{" ".join(columns)}}} : "{stem}"' for stem, columns in columns_by_stem.items()]
        groups.append("(" + " OR ".join(alternatives) + ")")
    return (" OR " if any_word else " AND ").join(groups)


_SQLITE_MATCHES = (
    "SELECT learnings_fts.rowid FROM learnings_fts JOIN learnings l ON l.id = learnings_fts.rowid "
    "WHERE learnings_fts MATCH :match AND l.tenant_id = :tenant"
)


async def _search_sqlite(
    session: AsyncSession, tenant_id: int, tokens: list[str], offset: int, limit: int, filters: Filters, any_word: bool
) -> tuple[list[int], int]:
    conditions, params = filters.sql()
    params.update(match=fts5_match(tokens, any_word=any_word), tenant=tenant_id)
    matches = f"{_SQLITE_MATCHES} AND {conditions}"
    # FTS5 walks its doclists newest first and stops after MAX_COUNTED + 1 of this tenant's matches.
    newest = list(
        (
            await session.execute(text(f"{matches} ORDER BY learnings_fts.rowid DESC LIMIT {MAX_COUNTED + 1}"), params)
        ).scalars()
    )
    counted = newest[:MAX_COUNTED]
    if offset >= len(counted):
        return [], len(newest)
    if offset >= MAX_RANKED:  # past the ranked ones: the older counted matches, newest first
        return counted[offset : offset + limit], len(newest)
    # Scored in Python (bot/learning/ranking.py): FTS5's bm25() reads each word's whole doclist first.
    ranked = counted[:MAX_RANKED]
    rows = await session.execute(select(Learning.id, Learning.text, Learning.created_at).where(Learning.id.in_(ranked)))
    candidates = [Candidate(learning_id, body, created_at) for learning_id, body, created_at in rows]
    order = [*best_first(candidates, query_stems(tokens)), *counted[MAX_RANKED:]]
    return order[offset : offset + limit], len(newest)


_PG_CONFIGURATIONS = ("danish", "swedish", "english")


def _pg_own(word: str) -> str:
    """PostgreSQL's own stem of `word` in any configuration, as a tsquery (empty where all three drop it)."""
    return " || ".join(f"plainto_tsquery('pg_catalog.{name}', {word})" for name in _PG_CONFIGURATIONS)


def _pg_alternatives(word: str, stem_columns: Sequence[str]) -> str:
    """One query word as tsquery text: PostgreSQL's own stem in any configuration, or its Snowball stem in any
    language (the index holds all three configurations' lexemes of every entry), each alternative once: the
    planner adds up their estimates, and six copies of one rare lexeme made it walk the whole table by id."""
    parts = [f"plainto_tsquery('pg_catalog.{name}', {word})" for name in _PG_CONFIGURATIONS]
    parts += [f"plainto_tsquery('simple', {column})" for column in stem_columns]
    return (
        f"(SELECT string_agg(DISTINCT '(' || part || ')', ' | ') FROM unnest(ARRAY[{', '.join(parts)}]::text[]) "
        "AS part WHERE part <> '')"
    )


# Asked first, so the search itself gets the tsquery as a constant: the planner then estimates it from the
# column's statistics and uses the GIN index (parameters from a CTE made it scan the table).
# asyncpg prepares statements, and after five runs PostgreSQL may plan one for any tsquery: the plan of a rare
# word (read every match from the GIN index) then serves a word in every eighth entry, 40 times slower. So the
# search is planned for its own words (plan_cache_mode, for this transaction), set in the same round trip.
# A word that is a stop word in all three configurations is in no entry's index, so it is left out.
def _pg_query(joiner: str) -> str:
    either = _pg_alternatives("word", INDEX_LANGUAGES)
    return (
        "WITH terms AS (SELECT * FROM unnest(:words, :da, :sv, :en) AS t(word, da, sv, en)) "
        "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
        f"(SELECT string_agg('(' || {either} || ')', '{joiner}') FILTER (WHERE numnode({_pg_own('word')}) > 0) "
        "FROM terms)"
    )


_PG_QUERIES = {False: _pg_query(" & "), True: _pg_query(" | ")}


def _pg_terms(tokens: list[str]) -> dict[str, list[str]]:
    stems = query_stems(tokens)
    return {"words": tokens, **{language: [word[language] for word in stems] for language in INDEX_LANGUAGES}}


async def _search_postgresql(
    session: AsyncSession, tenant_id: int, tokens: list[str], offset: int, limit: int, filters: Filters, any_word: bool
) -> tuple[list[int], int]:
    arrays = [bindparam(name, type_=ARRAY(TEXT)) for name in ("words", *INDEX_LANGUAGES)]
    _, query = (await session.execute(text(_PG_QUERIES[any_word]).bindparams(*arrays), _pg_terms(tokens))).one()
    if not query:
        return [], 0
    conditions, params = filters.sql()
    params.update(tenant=tenant_id, query=query)
    match = f"l.tenant_id = :tenant AND {conditions} AND l.search_vector @@ CAST(:query AS tsquery)"
    rows = (
        await session.execute(
            text(
                "WITH newest AS (SELECT l.id, l.created_at, l.search_vector FROM learnings l "
                f"WHERE {match} ORDER BY l.id DESC LIMIT {MAX_COUNTED + 1}), "
                "counted AS (SELECT *, row_number() OVER (ORDER BY id DESC) AS n FROM newest) "
                f"SELECT id, (SELECT count(*) FROM newest) FROM counted WHERE n <= {MAX_COUNTED} "
                # CASE scores only the newest MAX_RANKED; the rest follow newest first, as on SQLite.
                f"ORDER BY n > {MAX_RANKED}, "
                f"CASE WHEN n <= {MAX_RANKED} THEN ts_rank(search_vector, CAST(:query AS tsquery)) END DESC, "
                f"CASE WHEN n <= {MAX_RANKED} THEN created_at END DESC, id DESC "
                "LIMIT :limit OFFSET :offset"
            ),
            {**params, "limit": limit, "offset": offset},
        )
    ).all()
    # A page past the last match has no rows to carry the count; it shows as empty either way.
    return [row[0] for row in rows], (rows[0][1] if rows else 0)
