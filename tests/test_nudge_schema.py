"""The migrations create exactly what the models describe (including the nudge tables of 0002)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from adapters.app import App
from bot.db import models  # noqa: F401  (registers the core tables)
from bot.db.base import Base
from bot.nudges import tables  # noqa: F401  (registers the nudge tables)


def _not_search(name: str | None, type_: str, parent_names: Any) -> bool:
    # Full-text search is raw SQL per dialect (see migrations/env.py), not in the models.
    if type_ == "table" and name is not None and name.startswith("learnings_fts"):
        return False
    return name not in ("search_vector", "ix_learnings_search_vector")


async def test_migrations_match_models(app: App) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"include_name": _not_search, "compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with app.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
