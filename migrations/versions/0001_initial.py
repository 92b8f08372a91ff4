"""Initial schema: tenants, members, conversations, the learning log and its full-text search.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("platform", "external_id", name=op.f("uq_tenants_platform_external_id")),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("platform_conversation_id", sa.String(length=256), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_conversations_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint(
            "tenant_id",
            "platform_conversation_id",
            name=op.f("uq_conversations_tenant_id_platform_conversation_id"),
        ),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("platform_user_id", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_members_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("tenant_id", "platform_user_id", name=op.f("uq_members_tenant_id_platform_user_id")),
    )
    op.create_table(
        "learnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", bot.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_learnings_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_learnings_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_learnings_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learnings")),
    )
    with op.batch_alter_table("learnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learnings_member_id"), ["member_id"], unique=False)
        batch_op.create_index("ix_learnings_tenant_created", ["tenant_id", "created_at"], unique=False)

    op.create_table(
        "learning_tags",
        sa.Column("learning_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["learning_id"],
            ["learnings.id"],
            name=op.f("fk_learning_tags_learning_id_learnings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learning_id", "tag", name=op.f("pk_learning_tags")),
    )
    with op.batch_alter_table("learning_tags", schema=None) as batch_op:
        batch_op.create_index("ix_learning_tags_tag", ["tag"], unique=False)

    _create_search()


def downgrade() -> None:
    _drop_search()
    with op.batch_alter_table("learning_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_tags_tag")

    op.drop_table("learning_tags")
    with op.batch_alter_table("learnings", schema=None) as batch_op:
        batch_op.drop_index("ix_learnings_tenant_created")
        batch_op.drop_index(batch_op.f("ix_learnings_member_id"))

    op.drop_table("learnings")
    op.drop_table("members")
    op.drop_table("conversations")
    op.drop_table("tenants")


# Full-text search over learnings.text (tags are written inline as #tag, so they are searched too).
# SQLite: an FTS5 external-content table kept in step by triggers; the porter tokenizer matches English word
# forms ("retrospective" finds "retrospectives"). PostgreSQL: a generated tsvector column whose text search
# configuration follows the entry's language (danish / swedish / english), with a GIN index.


def _create_search() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
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
    elif dialect == "postgresql":
        op.execute(
            "ALTER TABLE learnings ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            "CASE language "
            "WHEN 'da' THEN to_tsvector('pg_catalog.danish', text) "
            "WHEN 'sv' THEN to_tsvector('pg_catalog.swedish', text) "
            "ELSE to_tsvector('pg_catalog.english', text) END) STORED"
        )
        op.execute("CREATE INDEX ix_learnings_search_vector ON learnings USING gin (search_vector)")


def _drop_search() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("learnings_fts_insert", "learnings_fts_delete", "learnings_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS learnings_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_learnings_search_vector")
        op.execute("ALTER TABLE learnings DROP COLUMN IF EXISTS search_vector")
