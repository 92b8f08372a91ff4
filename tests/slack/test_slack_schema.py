"""Migrations create exactly what the models and slack_sdk's stores describe (no autogenerate drift)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from adapters.app import App
from adapters.slack.store_tables import slack_metadata
from bot.db.base import Base


def _not_search(name: str | None, type_: str, parent_names: Any) -> bool:
    # Full-text search objects are raw SQL per dialect (see migrations/env.py).
    return not (name or "").startswith(("learnings_fts", "search_vector", "ix_learnings_search_vector"))


async def test_no_drift_between_migrations_and_models(app: App) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"include_name": _not_search, "compare_type": True})
        return list(compare_metadata(context, [Base.metadata, slack_metadata()]))

    async with app.engine.connect() as connection:
        assert await connection.run_sync(diff) == []
