"""slack_sdk's OAuth installation and state tables, described once so our migrations create them.

The tables are slack_sdk's own definitions (its stores read and write them); keeping them in a separate
MetaData keeps bot/ free of Slack while Alembic still compares them (see migrations/env.py).
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData

BOTS_TABLE = SQLAlchemyInstallationStore.default_bots_table_name
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.default_installations_table_name
STATES_TABLE = SQLAlchemyOAuthStateStore.default_table_name


def slack_metadata() -> MetaData:
    """A fresh MetaData holding slack_bots, slack_installations and slack_oauth_states."""
    metadata = MetaData()
    SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE)
    SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, STATES_TABLE)
    return metadata
