"""The personal-data contract every feature declares for its tables, and the registry that runs them.

A feature says, per table, which columns refer to a member and what forget-me does to its rows; its `export`
returns every row that mentions the member, keyed by table name, and its `erase` leaves no member id, platform
id or display name behind while aggregates and anonymous items keep counting. The registry runs erasure in the
reverse order of registration, so the core (registered first) removes the member row last.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Member
from bot.privacy import json_members
from bot.privacy.json_members import JsonMembers

__all__ = ["ErasePolicy", "JsonMembers", "PersonalData", "PersonalDataContract", "Rows", "TableUse"]

EraseMode = Literal["delete", "anonymise", "keep-unlinked"]
Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class TableUse:
    table: str
    member_columns: tuple[str, ...]  # columns that refer to members.id, or hold a platform user id or name
    erase: EraseMode


@dataclass(frozen=True)
class ErasePolicy:
    # True: the member's shared learnings stay for the team, without author ("a former colleague").
    keep_shared_learnings: bool = False


Export = Callable[[AsyncSession, Member], Awaitable[dict[str, Rows]]]
Erase = Callable[[AsyncSession, Member, ErasePolicy], Awaitable[None]]
Unlinked = Callable[[AsyncSession, Member], Awaitable[list[str]]]
# Deletes raw member text written before the cutoff and returns how many rows it emptied; counts stay.
Retain = Callable[[AsyncSession, datetime], Awaitable[int]]


@dataclass(frozen=True)
class PersonalDataContract:
    feature: str
    tables: tuple[TableUse, ...]
    export: Export
    erase: Erase
    unlinked: Unlinked | None = None
    retain: Retain | None = None
    json_members: tuple[JsonMembers, ...] = ()


class PersonalData:
    """The contracts of every installed feature (one per feature), registered by their install steps."""

    def __init__(self) -> None:
        self._contracts: list[PersonalDataContract] = []

    def register(self, contract: PersonalDataContract) -> None:
        if any(existing.feature == contract.feature for existing in self._contracts):
            raise ValueError(f"feature {contract.feature!r} already has a personal-data contract")
        for use in contract.json_members:
            json_members.check_declaration(use)
        self._contracts.append(contract)

    @property
    def contracts(self) -> tuple[PersonalDataContract, ...]:
        return tuple(self._contracts)

    def covered(self) -> dict[str, set[str]]:
        """Table name -> the member columns some contract declares for it."""
        found: dict[str, set[str]] = {}
        for contract in self._contracts:
            for use in contract.tables:
                found.setdefault(use.table, set()).update(use.member_columns)
        return found

    def guard(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Sessions from `sessions` refuse JSON that names members where no contract declares it."""
        json_members.guard(sessions, self.json_members, self.covered)

    def json_members(self) -> tuple[JsonMembers, ...]:
        """Every JSON path some contract declares as holding members."""
        return tuple(use for contract in self._contracts for use in contract.json_members)

    async def export(self, session: AsyncSession, member: Member) -> tuple[dict[str, Rows], list[str]]:
        """Every row that mentions the member, by table, and what exists about them that cannot be tied back."""
        tables: dict[str, Rows] = {}
        unlinked: list[str] = []
        for contract in self._contracts:
            for table, rows in (await contract.export(session, member)).items():
                tables.setdefault(table, []).extend(rows)
            if contract.unlinked is not None:
                unlinked.extend(await contract.unlinked(session, member))
        # Rows that name the member only inside JSON (a kind's settings or context), unless a contract has them.
        for table, rows in (await json_members.rows_naming(session, self.json_members(), member)).items():
            listed = tables.setdefault(table, [])
            listed.extend(row for row in rows if row not in listed)
        return tables, unlinked

    async def erase(self, session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
        # First, while every row still stands: the member leaves every declared JSON path.
        await json_members.scrub(session, self.json_members(), member)
        for contract in reversed(self._contracts):
            await contract.erase(session, member, policy)
            await session.flush()

    async def retain(self, session: AsyncSession, cutoff: datetime) -> int:
        emptied = 0
        for contract in self._contracts:
            if contract.retain is not None:
                emptied += await contract.retain(session, cutoff)
        return emptied
