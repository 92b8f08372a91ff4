"""Learning log: every entry indexed in Danish, Swedish and English word forms, whatever its author's language.

An author's language setting says little about what they write (Anna, set to English, logs "Møder med kunder…"),
so an entry stemmed only in that language was not found by its own words' other forms. Both indexes are rebuilt
in place from the entries, which stay as they are:
- SQLite: the FTS5 table keeps its columns (da, sv, en); its triggers now fill all three for every entry with
  `learnbot_stems(text, column)` (bot/db/stemming.py), and every entry is indexed again.
- PostgreSQL: the generated `search_vector` column becomes the danish, swedish and english tsvectors together
  (dropping and adding a generated column recomputes it for every row), with its GIN index and longer
  statistics (so a rare word's estimate stays near its count).

Revision ID: 0019
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from bot.db.stemming import register_sqlite_functions

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS = ("learnings_fts_insert", "learnings_fts_update")
# Revision 0006 stemmed an entry in its own language only; this one in every language.
_EVERY_LANGUAGE = "learnbot_stems({row}.text, 'da'), learnbot_stems({row}.text, 'sv'), learnbot_stems({row}.text, 'en')"
_ENTRY_LANGUAGE = (
    "learnbot_stems({row}.text, {row}.language, 'da'), learnbot_stems({row}.text, {row}.language, 'sv'), "
    "learnbot_stems({row}.text, {row}.language, 'en')"
)
_PG_EVERY_LANGUAGE = (
    "to_tsvector('pg_catalog.danish', text) || to_tsvector('pg_catalog.swedish', text) "
    "|| to_tsvector('pg_catalog.english', text)"
)
# Three configurations make three times the lexemes per entry: with the default statistics a rare word was
# estimated in 5,000 of a million entries (it was in 150), and the planner walked the table by id instead of the
# GIN index. A longer most-common-lexemes list brings the estimate near (80).
_PG_STATISTICS = 1000
_PG_ENTRY_LANGUAGE = (
    "CASE language "
    "WHEN 'da' THEN to_tsvector('pg_catalog.danish', text) "
    "WHEN 'sv' THEN to_tsvector('pg_catalog.swedish', text) "
    "ELSE to_tsvector('pg_catalog.english', text) END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _reindex_sqlite(_EVERY_LANGUAGE)
    else:
        _regenerate_postgresql(_PG_EVERY_LANGUAGE, _PG_STATISTICS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _reindex_sqlite(_ENTRY_LANGUAGE)
    else:
        _regenerate_postgresql(_PG_ENTRY_LANGUAGE, -1)


def _reindex_sqlite(stemmed_row: str) -> None:
    # learnbot's engine registers the function on every connection; registering again keeps the migration
    # working on any connection alembic is handed (offline, --sql, there is no connection, only the script).
    if not op.get_context().as_sql:
        register_sqlite_functions(op.get_bind().connection.dbapi_connection)
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    # The delete trigger needs no stemmer (the index keeps its own copy of the stems) and stays as it is.
    op.execute(
        "CREATE TRIGGER learnings_fts_insert AFTER INSERT ON learnings BEGIN "
        f"INSERT INTO learnings_fts(rowid, da, sv, en) VALUES (new.id, {stemmed_row.format(row='new')}); END"
    )
    op.execute(
        "CREATE TRIGGER learnings_fts_update AFTER UPDATE OF text, language ON learnings BEGIN "
        "DELETE FROM learnings_fts WHERE rowid = old.id; "
        f"INSERT INTO learnings_fts(rowid, da, sv, en) VALUES (new.id, {stemmed_row.format(row='new')}); END"
    )
    op.execute("DELETE FROM learnings_fts")
    op.execute(
        f"INSERT INTO learnings_fts(rowid, da, sv, en) SELECT id, {stemmed_row.format(row='learnings')} FROM learnings"
    )
    op.execute("INSERT INTO learnings_fts(learnings_fts) VALUES ('optimize')")


def _regenerate_postgresql(expression: str, statistics: int) -> None:
    op.execute("DROP INDEX IF EXISTS ix_learnings_search_vector")
    op.execute("ALTER TABLE learnings DROP COLUMN IF EXISTS search_vector")
    op.execute(f"ALTER TABLE learnings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED")
    op.execute("CREATE INDEX ix_learnings_search_vector ON learnings USING gin (search_vector)")
    op.execute(f"ALTER TABLE learnings ALTER COLUMN search_vector SET STATISTICS {statistics}")
    # The new column has no statistics until autovacuum comes by; the planner needs them from the first search.
    op.execute("ANALYZE learnings")
