"""`mentor report`: counts for programme owners, never free text, never a figure about fewer than 5 people.

`shown` is this branch's stand-in with the contract of the shared k-anonymity rule (bot/privacy/k_anonymity.py,
built on the privacy branch): no figure for a group of fewer than MIN_GROUP people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.mentoring.tables import MentorMeeting, MentorPair

MIN_GROUP = 5
MONTHS_SHOWN = 3


def shown(count: int, people: int, *, minimum: int = MIN_GROUP) -> int | None:
    """`count`, or None when the people it is about are fewer than `minimum` (which may only be raised)."""
    return count if people >= max(minimum, MIN_GROUP) else None


@dataclass(frozen=True)
class Figure:
    label: str  # a catalog key under mentoring.report_
    period: str | None
    value: int | None  # None: too few people to show


def _people(pairs: list[MentorPair]) -> int:
    return len({m for pair in pairs for m in (pair.mentor_member_id, pair.mentee_member_id) if m is not None})


def _months(now: datetime, zone: ZoneInfo) -> list[str]:
    local = now.astimezone(zone).replace(day=1)
    months = []
    for _ in range(MONTHS_SHOWN):
        months.append(local.strftime("%Y-%m"))
        local = (local - timedelta(days=1)).replace(day=1)
    return months


async def mentoring_report(session: AsyncSession, tenant_id: int, now: datetime, zone: ZoneInfo) -> list[Figure]:
    pairs = list(await session.scalars(select(MentorPair).where(MentorPair.tenant_id == tenant_id)))
    active = [pair for pair in pairs if pair.state == "active"]
    figures = [Figure("active_pairs", None, shown(len(active), _people(active)))]
    by_id = {pair.id: pair for pair in pairs}
    meetings = await session.scalars(
        select(MentorMeeting).where(MentorMeeting.pair_id.in_(by_id), MentorMeeting.met.is_(True))
    )
    per_month: dict[str, list[MentorMeeting]] = {}
    for meeting in meetings:
        per_month.setdefault(meeting.due_at.astimezone(zone).strftime("%Y-%m"), []).append(meeting)
    for month in _months(now, zone):
        held = per_month.get(month, [])
        met_pairs = [by_id[pair_id] for pair_id in {meeting.pair_id for meeting in held}]
        figures.append(Figure("meetings_held", month, shown(len(held), _people(met_pairs))))
    return figures
