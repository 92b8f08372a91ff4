"""INSERT … ON CONFLICT DO NOTHING on both supported databases, so concurrent first contacts never collide."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import Base


async def insert_ignore(
    session: AsyncSession, model: type[Base], values: dict[str, Any], conflict_columns: list[str]
) -> bool:
    """Returns whether a row was inserted (False when it already existed)."""
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(model).values(values).on_conflict_do_nothing(index_elements=conflict_columns)
    elif dialect == "sqlite":
        statement = sqlite.insert(model).values(values).on_conflict_do_nothing(index_elements=conflict_columns)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))
