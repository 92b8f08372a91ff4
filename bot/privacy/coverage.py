"""The walk over the schema that keeps the contracts honest: every column that refers to a member (a foreign key
to members.id, or a name that says it holds a member or platform user id or a display name) must be declared by
some feature's contract. A later feature cannot forget its tables: tests/test_privacy_contract.py fails."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Column, MetaData, Table

_MEMBER_NAME = re.compile(r"(^|_)(member|user)_ids?$|^display_name$|^platform_user_id$")
# Named like a user id but the bot's own (Slack's installation tables).
_NOT_A_MEMBER = frozenset({"bot_user_id"})


def refers_to_member(column: Column[object]) -> bool:
    if any(key.column.table.name == "members" and key.column.name == "id" for key in column.foreign_keys):
        return True
    return column.name not in _NOT_A_MEMBER and bool(_MEMBER_NAME.search(column.name))


def member_columns(table: Table) -> tuple[str, ...]:
    return tuple(column.name for column in table.columns if refers_to_member(column))


def uncovered(metadatas: Iterable[MetaData], covered: dict[str, set[str]]) -> list[str]:
    """`table.column` for every member column no contract declares, and `table.column` declared but absent."""
    problems: list[str] = []
    tables = {table.name: table for metadata in metadatas for table in metadata.sorted_tables}
    for name, table in sorted(tables.items()):
        declared = covered.get(name, set())
        problems += [f"{name}.{column}" for column in member_columns(table) if column not in declared]
        problems += [f"{name}.{column} (declared, no such column)" for column in declared if column not in table.c]
    problems += [f"{name} (declared, no such table)" for name in sorted(set(covered) - set(tables))]
    return problems
