"""The Slack adapter's tables, described once so our migrations create them: slack_sdk's OAuth installation and
state tables (its own definitions; its stores read and write them) and our pending forms.

A separate MetaData keeps bot/ free of Slack while Alembic still compares them (see migrations/env.py).
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import JSON, Column, Index, MetaData, String, Table

from bot.db.base import UtcDateTime

BOTS_TABLE = SQLAlchemyInstallationStore.default_bots_table_name
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.default_installations_table_name
STATES_TABLE = SQLAlchemyOAuthStateStore.default_table_name
PENDING_FORMS_TABLE = "slack_pending_forms"


def pending_forms_table(metadata: MetaData) -> Table:
    """Forms shown as a button until pressed (adapters/slack/pending_forms.py)."""
    return Table(
        PENDING_FORMS_TABLE,
        metadata,
        Column("token", String(32), primary_key=True),
        Column("form", JSON, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Index("ix_slack_pending_forms_created_at", "created_at"),
    )


def slack_metadata() -> MetaData:
    """A fresh MetaData holding slack_bots, slack_installations, slack_oauth_states and slack_pending_forms."""
    metadata = MetaData()
    SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE)
    SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, STATES_TABLE)
    pending_forms_table(metadata)
    return metadata
