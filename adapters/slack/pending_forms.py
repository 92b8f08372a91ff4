"""Forms shown as a button in a message (no trigger_id to open a modal at once), kept in the database until pressed.

Any replica, and the same one after a restart, opens the form behind a button: the token in the button's value is
random, the form is stored as JSON, and taking it is one `DELETE … RETURNING`, so a double press (or two replicas)
opens it once. Unpressed forms are dropped after `KEEP_FOR`, like any stale button.
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import MetaData, delete, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.slack.store_tables import pending_forms_table
from bot.clock import Clock
from bot.model import Form, Input, Option

KEEP_FOR = timedelta(days=7)
_TABLE = pending_forms_table(MetaData())


def form_to_json(form: Form) -> dict[str, Any]:
    return dataclasses.asdict(form)


def form_from_json(data: dict[str, Any]) -> Form:
    inputs = tuple(
        Input(**{**field, "options": tuple(Option(**option) for option in field.get("options") or ())})
        for field in data.get("inputs") or ()
    )
    return Form(**{**data, "inputs": inputs})


class PendingForms:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def keep(self, form: Form) -> str:
        """Store `form`; the token goes into the button that opens it."""
        token = secrets.token_urlsafe(18)  # 24 characters
        now = self._clock.now()
        async with self._sessions() as session:
            await session.execute(delete(_TABLE).where(_TABLE.c.created_at < now - KEEP_FOR))
            await session.execute(insert(_TABLE).values(token=token, form=form_to_json(form), created_at=now))
            await session.commit()
        return token

    async def take(self, token: str) -> Form | None:
        """The form behind `token`, once; None when it was taken already, expired or never existed."""
        async with self._sessions() as session:
            data = await session.scalar(
                delete(_TABLE)
                .where(_TABLE.c.token == token, _TABLE.c.created_at >= self._clock.now() - KEEP_FOR)
                .returning(_TABLE.c.form)
            )
            await session.commit()
        return form_from_json(data) if data is not None else None
