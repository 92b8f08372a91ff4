"""Claiming rows when several dispatchers share one database.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` lets replicas take disjoint rows without waiting. SQLite has one
writer at a time: taking the write lock first (a no-op write) makes a read-then-write transaction serialise behind
the other writer instead of failing on a stale snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import operator
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

from sqlalchemy import Column, Table, bindparam, func, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault
from sqlalchemy.types import TypeEngine

from bot.db.base import Base

# Rows per executemany call.
_CHUNK = 1_000
# Rows per PostgreSQL unnest() insert: one statement, one parameter per column.
_ARRAY_CHUNK = 5_000


class WriteTurns:
    """Sessions for writing transactions that take turns within this process on SQLite.

    SQLite has one writer at a time and a waiting writer polls with growing sleeps (up to 100 ms), so a planner
    committing chunk after chunk would starve the delivery pass beside it. In one process the writers queue in
    order instead. PostgreSQL locks rows, not the database: there the turns are a no-op.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        bind = sessions.kw.get("bind")
        self._lock = asyncio.Lock() if bind is None or bind.dialect.name != "postgresql" else None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """This process's turn to write, for a session the caller holds."""
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        if self._lock is None:
            async with self._sessions() as session:
                yield session
            return
        async with self._lock, self._sessions() as session:
            yield session


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def take_write_lock(session: AsyncSession) -> None:
    """On SQLite, hold the database's write lock for the rest of the transaction; nothing elsewhere."""
    if not is_postgres(session):
        await session.execute(text("UPDATE conversation_series SET id = id WHERE 0 = 1"))


async def insert_ignore_many(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], conflict_columns: list[str]
) -> None:
    """Multi-row INSERT … ON CONFLICT DO NOTHING; all rows must have the same keys."""
    if not rows:
        return
    if is_postgres(session):
        await _insert_unnest(session, model, rows, conflict_columns)
        return
    # The driver's executemany with values converted here: SQLAlchemy's executemany converts every value of every
    # row (a 10,000-row fan-out repeats the same three timestamps 10,000 times) while the writer's turn is held.
    table = cast(Table, model.__table__)
    names = list(rows[0])
    connection = await session.connection()
    dialect = connection.dialect
    sql, order = _insert_ignore_sql(table, tuple(names), tuple(conflict_columns), dialect)
    columns = [(_getter(table.c[name], names), _converter(table.c[name].type, dialect)) for name in order]
    for start in range(0, len(rows), _CHUNK):
        values = [tuple(convert(get(row)) for get, convert in columns) for row in rows[start : start + _CHUNK]]
        await connection.exec_driver_sql(sql, values)


@functools.lru_cache(maxsize=64)
def _insert_ignore_sql(
    table: Table, names: tuple[str, ...], conflict_columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...]]:
    """The statement's SQL and its parameters' order: the given columns and those with a Python-side default.
    Compiled once per shape (many small planning batches insert the same shape of rows)."""
    statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    return compiled.string, tuple(compiled.positiontup or ())


def _getter(column: Column[Any], given: list[str]) -> Callable[[dict[str, Any]], Any]:
    if column.key in given:
        return operator.itemgetter(column.key)
    default = column.default
    if isinstance(default, ScalarElementColumnDefault):
        return lambda row: default.arg
    if isinstance(default, CallableColumnDefault):
        # SQLAlchemy wraps a plain callable (dict, say) to take an execution context, which it ignores.
        return lambda row: default.arg(None)  # type: ignore[arg-type]
    raise ValueError(f"no value for {column.key} and no Python-side default")


def _converter(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """The column's bind conversion for `dialect`, remembered per distinct value where values repeat."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return _same
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = converted = process(value)
            return converted
        except TypeError:  # unhashable (a JSON document)
            return process(value)

    return convert


def _same(value: Any) -> Any:
    return value


async def _insert_unnest(
    session: AsyncSession, model: type[Base], rows: list[dict[str, Any]], conflict_columns: list[str]
) -> None:
    """PostgreSQL: one `INSERT … SELECT FROM unnest(<one array per column>)` per chunk. A fan-out inserts
    thousands of rows; one statement instead of one per row saves most of the server's and the driver's work."""
    table = cast(Table, model.__table__)
    names = list(rows[0])
    for start in range(0, len(rows), _ARRAY_CHUNK):
        chunk = rows[start : start + _ARRAY_CHUNK]
        arrays = [
            sql_cast(
                bindparam(f"u_{name}", [row[name] for row in chunk], type_=ARRAY(table.c[name].type)),
                ARRAY(table.c[name].type),
            )
            for name in names
        ]
        source = func.unnest(*arrays).table_valued(*names).render_derived()
        statement = (
            postgresql.insert(table)
            .from_select(names, select(*(source.c[name] for name in names)))
            .on_conflict_do_nothing(index_elements=conflict_columns)
        )
        await session.execute(statement)
