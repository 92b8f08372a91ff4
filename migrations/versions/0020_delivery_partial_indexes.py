"""Deliveries: partial indexes for the due and the claimed rows instead of indexes holding `state`.

A delivery goes pending -> sending -> sent. With `state` in three indexes, each of those steps rewrote three index
entries per row: in a 10,000-member fan-out, the "sent" commit that frees a send's permit spent two thirds of its
time there. Now the due rows (`state = 'pending'`) and the claimed rows (`state = 'sending'`) each have a partial
index, which a row enters and leaves once, and the scorecard's index by recipient and purpose no longer holds the
state. Indexes only: every row stays as it is.

Revision ID: 0020
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "conversation_deliveries"


def _partial(name: str, state: str, columns: list[str]) -> None:
    where = sa.text(f"state = '{state}'")
    op.create_index(name, _TABLE, columns, unique=False, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    # Plain CREATE and DROP INDEX, no batch table copy (on SQLite a copy would cascade-delete through foreign keys).
    _partial("ix_conversation_deliveries_pending", "pending", ["not_before"])
    _partial("ix_conversation_deliveries_tenant_pending", "pending", ["tenant_id", "not_before"])
    _partial("ix_conversation_deliveries_sending", "sending", ["claimed_at"])
    op.create_index("ix_conversation_deliveries_member_purpose", _TABLE, ["member_id", "purpose"], unique=False)
    for name in (
        "ix_conversation_deliveries_state_not_before",
        "ix_conversation_deliveries_tenant_state_not_before",
        "ix_conversation_deliveries_member_purpose_state",
    ):
        op.drop_index(name, table_name=_TABLE)


def downgrade() -> None:
    op.create_index("ix_conversation_deliveries_state_not_before", _TABLE, ["state", "not_before"], unique=False)
    op.create_index(
        "ix_conversation_deliveries_tenant_state_not_before", _TABLE, ["tenant_id", "state", "not_before"], unique=False
    )
    op.create_index(
        "ix_conversation_deliveries_member_purpose_state", _TABLE, ["member_id", "purpose", "state"], unique=False
    )
    for name in (
        "ix_conversation_deliveries_pending",
        "ix_conversation_deliveries_tenant_pending",
        "ix_conversation_deliveries_sending",
        "ix_conversation_deliveries_member_purpose",
    ):
        op.drop_index(name, table_name=_TABLE)
