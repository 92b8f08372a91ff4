"""Rate-limit pauses shared between replicas through the database.

A 429 is written at once (one upsert that keeps the later instant), so every replica sending to that workspace
stops, not only the one that got it. Reading is what must stay cheap: a fan-out checks the pause before every
send, so the rows are kept in memory and reloaded (one small query) at most every `refresh` of the clock; a pause
written elsewhere is honoured within that long, a pause of our own at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.conversations.locking import WriteTurns, is_postgres
from bot.conversations.tables import RatePause
from bot.db.models import Tenant

# Rows this long expired are removed whenever a pause is written (nothing else writes the table).
_KEEP_EXPIRED = timedelta(hours=1)


def scope_key(parts: Sequence[str]) -> str:
    return "|".join(parts)


class SharedPauses:
    """The pauses in force, per scope key; `until(keys)` answers from memory, `refresh()` reloads when stale."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, refresh: timedelta, turns: WriteTurns
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._refresh = refresh
        self._turns = turns
        self._until: dict[str, datetime] = {}
        self._loaded_at: datetime | None = None
        self._loading: asyncio.Lock = asyncio.Lock()

    @property
    def none(self) -> bool:
        """Nothing is paused (the usual case: every send asks, so it costs one lookup)."""
        return not self._until

    def until(self, keys: Sequence[str], now: datetime) -> datetime | None:
        """The latest instant any of `keys` is paused until, if later than `now`."""
        waits = [instant for key in keys if (instant := self._until.get(key)) is not None and now < instant]
        return max(waits) if waits else None

    def any_workspace_paused(self, now: datetime) -> bool:
        """Whether a whole workspace or tenant is paused as far as this replica knows (its own 429s at once,
        other replicas' after a refresh)."""
        return any(key.count("|") == 1 and now < until for key, until in self._until.items())

    def next_end(self, now: datetime) -> datetime | None:
        """When the next pause in force ends."""
        return min((until for until in self._until.values() if until > now), default=None)

    def stale(self, now: datetime) -> bool:
        return self._loaded_at is None or now - self._loaded_at >= self._refresh

    async def refresh(self, *, force: bool = False) -> None:
        """Reload the pauses in force if the last load is older than `refresh` (one query for all senders)."""
        if not force and not self.stale(self._clock.now()):
            return
        async with self._loading:
            now = self._clock.now()
            if not force and not self.stale(now):
                return  # another sender just loaded them
            async with self._sessions() as session:
                rows = await session.execute(select(RatePause.scope, RatePause.until).where(RatePause.until > now))
                found = {scope: until for scope, until in rows}
            # Keep our own later pauses (a write of ours may still be on its way).
            for scope, until in self._until.items():
                if until > max(now, found.get(scope, now)):
                    found[scope] = until
            self._until = found
            self._loaded_at = now

    async def pause(self, key: str, until: datetime) -> None:
        """Pause `key` until `until` here at once, and for every replica through the table."""
        self._until[key] = max(until, self._until.get(key, until))
        async with self._turns.session() as session:
            await _upsert_later(session, key, until)
            await session.execute(delete(RatePause).where(RatePause.until < self._clock.now() - _KEEP_EXPIRED))
            await session.commit()


def paused_tenants(now: datetime) -> Select[Any]:
    """The ids of the tenants paused as a whole at `now`, as the table says (a subquery for the claim)."""
    key = Tenant.platform + "|" + Tenant.external_id
    return select(Tenant.id).join(RatePause, RatePause.scope == key).where(RatePause.until > now)


async def _upsert_later(session: AsyncSession, key: str, until: datetime) -> None:
    """Insert the pause or move an existing one later, never earlier (two replicas' 429s may cross)."""
    if is_postgres(session):
        pg = postgresql.insert(RatePause).values(scope=key, until=until)
        await session.execute(
            pg.on_conflict_do_update(
                index_elements=[RatePause.scope], set_={"until": func.greatest(RatePause.until, pg.excluded.until)}
            )
        )
        return
    lite = sqlite.insert(RatePause).values(scope=key, until=until)
    # SQLite's two-argument max() compares the stored ISO texts, which sort as the instants do (all in UTC).
    await session.execute(
        lite.on_conflict_do_update(
            index_elements=[RatePause.scope], set_={"until": func.max(RatePause.until, lite.excluded.until)}
        )
    )
