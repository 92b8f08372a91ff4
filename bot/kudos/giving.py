"""Giving kudos, the one place that decides whether a kudos counts: never to yourself, never to a former
colleague, once per giver and learning (or retro) however often a button is pressed or a platform retries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Member
from bot.db.upsert import insert_ignore
from bot.kudos.tables import Kudos
from bot.privacy.rows import is_former_colleague

MAX_REASON = 500
Outcome = Literal["given", "already", "yourself", "nobody"]


@dataclass(frozen=True)
class Gift:
    """A kudos about to be given: who thanks whom, for what, and how (command, button, reaction)."""

    tenant_id: int
    giver: Member
    receiver: Member | None
    source: str
    now: datetime
    conversation_id: int | None = None
    learning_id: int | None = None
    retro_id: int | None = None
    reaction: str | None = None
    reason: str | None = None

    @property
    def dedupe_key(self) -> str | None:
        if self.learning_id is not None:
            return f"learning:{self.learning_id}:m{self.giver.id}"
        if self.retro_id is not None:
            return f"retro:{self.retro_id}:m{self.giver.id}"
        return None  # a command may thank the same colleague again


def refusal(gift: Gift) -> Outcome | None:
    """Why `gift` cannot be given, or None."""
    receiver = gift.receiver
    if receiver is None or is_former_colleague(receiver) or receiver.tenant_id != gift.tenant_id:
        return "nobody"
    if receiver.id == gift.giver.id:
        return "yourself"
    return None


async def give(session: AsyncSession, gift: Gift) -> Outcome:
    """Store `gift` unless refused; "already" when this giver thanked for this learning or retro before."""
    refused = refusal(gift)
    if refused is not None:
        return refused
    assert gift.receiver is not None
    values = {
        "tenant_id": gift.tenant_id,
        "giver_member_id": gift.giver.id,
        "receiver_member_id": gift.receiver.id,
        "learning_id": gift.learning_id,
        "retro_id": gift.retro_id,
        "conversation_id": gift.conversation_id,
        "source": gift.source,
        "reaction": gift.reaction,
        "reason": (gift.reason or None) and gift.reason[:MAX_REASON],
        "dedupe_key": gift.dedupe_key,
        "created_at": gift.now,
    }
    if gift.dedupe_key is None:
        session.add(Kudos(**values))
        await session.flush()
        return "given"
    inserted = await insert_ignore(session, Kudos, values, ["dedupe_key"])
    return "given" if inserted else "already"


async def take_back_reaction(session: AsyncSession, giver_id: int, learning_id: int, reaction: str) -> bool:
    """A removed reaction takes back the kudos that very reaction gave (not one given by button or another
    reaction)."""
    result = await session.execute(
        delete(Kudos).where(
            Kudos.dedupe_key == f"learning:{learning_id}:m{giver_id}",
            Kudos.source == "reaction",
            Kudos.reaction == reaction,
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def counts(session: AsyncSession, member_id: int) -> tuple[int, int]:
    """(received, given) by `member_id`."""
    received = await session.scalar(select(func.count()).where(Kudos.receiver_member_id == member_id)) or 0
    given = await session.scalar(select(func.count()).where(Kudos.giver_member_id == member_id)) or 0
    return received, given
