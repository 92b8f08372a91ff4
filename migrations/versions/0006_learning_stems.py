"""Learning log: Danish, Swedish and English word forms on SQLite (Snowball stems), import content keys, links
to the message an entry was saved from.

SQLite's FTS5 index is rebuilt: it used the porter stemmer (English only) over the raw text; it now holds the
Snowball stems of each entry in a column per language (da, sv, en), written by triggers that call the
`learnbot_stems` SQL function every learnbot connection registers (bot/db/stemming.py). Every existing entry
is indexed again. PostgreSQL keeps its generated tsvector column (danish / swedish / english configurations).

Revision ID: 0006
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.db.stemming import register_sqlite_functions

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS = ("learnings_fts_insert", "learnings_fts_delete", "learnings_fts_update")
_STEMMED_ROW = (
    "learnbot_stems({row}.text, {row}.language, 'da'), learnbot_stems({row}.text, {row}.language, 'sv'), "
    "learnbot_stems({row}.text, {row}.language, 'en')"
)


def upgrade() -> None:
    # A plain ADD COLUMN and CREATE UNIQUE INDEX: no table rebuild on SQLite, so no cascade can fire.
    op.add_column("learnings", sa.Column("content_key", sa.String(length=64), nullable=True))
    op.add_column("learnings", sa.Column("source_url", sa.Text(), nullable=True))
    op.create_index("ix_learnings_tenant_content_key", "learnings", ["tenant_id", "content_key"], unique=True)
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_search()
        _create_stemmed_search()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_search()
        _create_porter_search()
    op.drop_index("ix_learnings_tenant_content_key", table_name="learnings")
    # Native DROP COLUMN (SQLite 3.35+): a batch rebuild of the table would cascade deletes on SQLite.
    op.execute("ALTER TABLE learnings DROP COLUMN source_url")
    op.execute("ALTER TABLE learnings DROP COLUMN content_key")


def _drop_sqlite_search() -> None:
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS learnings_fts")


def _create_stemmed_search() -> None:
    # The connection comes from learnbot's engine, which registers the function already; registering again
    # keeps the migration working on any connection alembic is handed.
    if not op.get_context().as_sql:  # offline (--sql) there is no connection, only the script
        register_sqlite_functions(op.get_bind().connection.dbapi_connection)
    # The index keeps its own copy of the stems (no external content), so deleting a row never needs the
    # stemmer: a newer stemmer version cannot leave stale entries behind.
    op.execute("CREATE VIRTUAL TABLE learnings_fts USING fts5(da, sv, en, tokenize='unicode61 remove_diacritics 0')")
    op.execute(
        "CREATE TRIGGER learnings_fts_insert AFTER INSERT ON learnings BEGIN "
        f"INSERT INTO learnings_fts(rowid, da, sv, en) VALUES (new.id, {_STEMMED_ROW.format(row='new')}); END"
    )
    op.execute(
        "CREATE TRIGGER learnings_fts_delete AFTER DELETE ON learnings BEGIN "
        "DELETE FROM learnings_fts WHERE rowid = old.id; END"
    )
    op.execute(
        "CREATE TRIGGER learnings_fts_update AFTER UPDATE OF text, language ON learnings BEGIN "
        "DELETE FROM learnings_fts WHERE rowid = old.id; "
        f"INSERT INTO learnings_fts(rowid, da, sv, en) VALUES (new.id, {_STEMMED_ROW.format(row='new')}); END"
    )
    op.execute(
        f"INSERT INTO learnings_fts(rowid, da, sv, en) SELECT id, {_STEMMED_ROW.format(row='learnings')} FROM learnings"
    )
    op.execute("INSERT INTO learnings_fts(learnings_fts) VALUES ('optimize')")


def _create_porter_search() -> None:
    """The index of revision 0001, rebuilt from the entries."""
    op.execute(
        "CREATE VIRTUAL TABLE learnings_fts USING fts5(text, content='learnings', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER learnings_fts_insert AFTER INSERT ON learnings BEGIN "
        "INSERT INTO learnings_fts(rowid, text) VALUES (new.id, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER learnings_fts_delete AFTER DELETE ON learnings BEGIN "
        "INSERT INTO learnings_fts(learnings_fts, rowid, text) VALUES ('delete', old.id, old.text); END"
    )
    op.execute(
        "CREATE TRIGGER learnings_fts_update AFTER UPDATE OF text ON learnings BEGIN "
        "INSERT INTO learnings_fts(learnings_fts, rowid, text) VALUES ('delete', old.id, old.text); "
        "INSERT INTO learnings_fts(rowid, text) VALUES (new.id, new.text); END"
    )
    op.execute("INSERT INTO learnings_fts(learnings_fts) VALUES ('rebuild')")
