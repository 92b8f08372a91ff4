"""Members inside JSON columns: a kind's settings or context may name members (ids, or names shown in a nudge).

The feature that writes them declares where (`JsonMembers`); export then finds the rows and forget-me takes the
member out, both here and generically. A guard on every flush refuses a JSON key that looks like it holds a member
(`reviewer_member_id`, `names`, `owner` …: the same naming rule the schema walk applies to columns) unless some
contract declares it, so a new kind cannot store members where forget-me would not look.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import JSON, Table, event, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapper, Session, UOWTransaction

from bot.db.base import Base
from bot.db.models import Member
from bot.privacy.rows import json_value

# What a JSON path holds: a members.id, or a member's name as a kind shows it (display name or first name).
JsonHolds = Literal["member_id", "name"]
Path = tuple[str, ...]
EVERY_ITEM = "*"
# A key that says it holds a member or a name, singular or plural, bare or as `…_id(s)`.
_MEMBER_KEY = re.compile(
    r"(^|_)(members?|users?|owners?|mentors?|mentees?|buddy|buddies|newhires?|authors?|starters?|"
    r"people|persons?|names?|giver|receiver|by)(_ids?)?$"
)


@dataclass(frozen=True)
class JsonMembers:
    """Where a JSON column of a table holds members: the keys down to them (`*` for each item of a list), in the
    rows whose `kind` column is `kind` (None: every row). Declared by the feature that writes them."""

    table: str
    column: str
    path: Path
    holds: JsonHolds = "member_id"
    kind: str | None = None


def check_declaration(use: JsonMembers) -> None:
    """Refuse a declaration that could never match: no such table or JSON column, or a kind without a kind column."""
    table = Base.metadata.tables.get(use.table)
    if table is None or use.column not in table.c or not isinstance(table.c[use.column].type, JSON):
        raise ValueError(f"{use.table}.{use.column} is not a JSON column")
    if use.kind is not None and "kind" not in table.c:
        raise ValueError(f"{use.table} has no kind column to tell {use.kind!r} rows apart")
    if not use.path:
        raise ValueError(f"{use.table}.{use.column}: a path into the JSON is needed")


class UndeclaredMemberJson(ValueError):
    """A JSON value names members at a path no personal-data contract declares."""


def leaves(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every scalar inside `value` with the keys leading to it (`*` for a list's items)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, str(key)))
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, (*path, EVERY_ITEM))
    else:
        yield path, value


def looks_like_member(path: Path) -> bool:
    keys = [key for key in path if key != EVERY_ITEM]
    return bool(keys) and bool(_MEMBER_KEY.search(keys[-1].lower()))


def undeclared(table: str, column: str, kind: str | None, value: Any, uses: Iterable[JsonMembers]) -> list[str]:
    """`table.column: path` for each member-looking path in `value` that no declaration covers."""
    declared = {use.path for use in uses if (use.table, use.column) == (table, column) and use.kind in (None, kind)}
    paths = {path for path, _ in leaves(value) if looks_like_member(path) and path not in declared}
    return [f"{table}.{column}: {'.'.join(path)} (kind {kind!r})" for path in sorted(paths)]


def _matcher(use: JsonMembers, member: Member) -> Callable[[Any], bool]:
    if use.holds == "member_id":
        return lambda value: type(value) is int and value == member.id
    names = {name for name in (member.display_name, *(member.display_name or "").split()[:1]) if name}
    return lambda value: isinstance(value, str) and value in names


def _values_at(value: Any, path: Path) -> Iterator[Any]:
    if not path:
        yield value
    elif path[0] == EVERY_ITEM and isinstance(value, list):
        for item in value:
            yield from _values_at(item, path[1:])
    elif isinstance(value, dict) and path[0] in value:
        yield from _values_at(value[path[0]], path[1:])


def _without(value: Any, path: Path, match: Callable[[Any], bool], *, once: bool) -> Any:
    """`value` with the member taken out at `path`: a list loses the item (a name only once, since a namesake
    may share it), a mapping's entry becomes None."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if key == EVERY_ITEM and isinstance(value, list):
        if rest:
            return [_without(item, rest, match, once=once) for item in value]
        kept, removed = [], False
        for item in value:
            if match(item) and not (once and removed):
                removed = True
                continue
            kept.append(item)
        return kept
    if isinstance(value, dict) and key in value:
        if rest:
            return {**value, key: _without(value[key], rest, match, once=once)}
        return {**value, key: None} if match(value[key]) else value
    return value


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _scope(table: Table, use: JsonMembers, member: Member) -> Any:
    query = select(table)
    if "tenant_id" in table.c:
        query = query.where(table.c.tenant_id == member.tenant_id)
    if use.kind is not None:
        query = query.where(table.c.kind == use.kind)
    return query


async def rows_naming(
    session: AsyncSession, uses: Iterable[JsonMembers], member: Member
) -> dict[str, list[dict[str, Any]]]:
    """Every row whose declared JSON paths hold the member, by table."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for use in uses:
        table, match = _table(use.table), _matcher(use, member)
        for row in await session.execute(_scope(table, use, member)):
            values = row._mapping
            if any(match(value) for value in _values_at(values[use.column], use.path)):
                exported = {key: json_value(value) for key, value in values.items()}
                if exported not in found[use.table]:
                    found[use.table].append(exported)
    return dict(found)


async def scrub(session: AsyncSession, uses: Iterable[JsonMembers], member: Member) -> None:
    """Take the member out of every declared JSON path, row by row."""
    for use in uses:
        table, match = _table(use.table), _matcher(use, member)
        [key] = table.primary_key.columns
        changed: dict[Any, Any] = {}
        for row in await session.execute(_scope(table, use, member)):
            values = row._mapping
            new = _without(values[use.column], use.path, match, once=use.holds == "name")
            if new != values[use.column]:
                changed[values[key.name]] = new
        for row_id, new in changed.items():
            await session.execute(update(table).where(key == row_id).values({use.column: new}))
        # Loaded objects of those rows would write the old JSON back: they read it again instead.
        for loaded in list(session.identity_map.values()):
            state = sa_inspect(loaded)
            if state.mapper.local_table is table and state.identity and state.identity[0] in changed:
                session.expire(loaded, [state.mapper.get_property_by_column(table.c[use.column]).key])


def guard(
    sessions: async_sessionmaker[AsyncSession],
    declared: Callable[[], tuple[JsonMembers, ...]],
    covered: Callable[[], dict[str, set[str]]],
) -> None:
    """Refuse, on flush, a JSON value with a member-looking path no contract declares (columns a contract covers
    as a whole, such as an answer's text or a platform reference, are its contract's business)."""

    class GuardedSession(Session):
        pass

    # Per mapped class, once: its JSON attributes to look at (most tables have none, so most objects cost a lookup).
    watched: dict[Mapper[Any], list[tuple[str, str, str]]] = {}

    def json_attributes(mapper: Mapper[Any]) -> list[tuple[str, str, str]]:
        if mapper not in watched:
            table = mapper.local_table
            if not isinstance(table, Table):
                watched[mapper] = []
                return []
            whole = covered().get(table.name, set())
            watched[mapper] = [
                (attribute.key, table.name, attribute.columns[0].name)
                for attribute in mapper.column_attrs
                if isinstance(attribute.columns[0].type, JSON) and attribute.columns[0].name not in whole
            ]
        return watched[mapper]

    def check(session: Session, flush_context: UOWTransaction, instances: object) -> None:
        problems: list[str] = []
        for loaded in (*session.new, *session.dirty):
            state = sa_inspect(loaded)
            attributes = json_attributes(state.mapper)
            if not attributes:
                continue
            uses, kind = declared(), state.dict.get("kind")
            for key, table, column in attributes:
                if key in state.dict:
                    problems += undeclared(table, column, kind, state.dict[key], uses)
        if problems:
            raise UndeclaredMemberJson("JSON naming members without a personal-data contract: " + "; ".join(problems))

    event.listen(GuardedSession, "before_flush", check)
    sessions.configure(sync_session_class=GuardedSession)
