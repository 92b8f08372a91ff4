"""Mentoring's personal data, in the shape of the shared contract (/work/wt/PRIVACY_CONTRACT.md; the privacy
branch owns the mechanism and registers these at merge).

Export: the member's pairs, their meetings and their suggestion preference. Erase: the preference goes; a pair
keeps counting in aggregates (meetings held) but no longer names the member, and an erased member's pairs end,
so nobody gets check-ins about them. Check-in answers live in the conversation engine's responses, which the
engine's own contract covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Series
from bot.db.models import Member
from bot.mentoring.tables import MentoringPreference, MentorMeeting, MentorPair

FEATURE = "mentoring"


@dataclass(frozen=True)
class TableUse:
    table: str
    member_columns: tuple[str, ...]
    erase: str  # "delete" | "anonymise" | "keep-unlinked"


TABLES = (
    TableUse("mentor_pairs", ("mentor_member_id", "mentee_member_id", "created_by_member_id"), "anonymise"),
    TableUse("mentor_meetings", (), "keep-unlinked"),  # refers to members only through its pair
    TableUse("mentoring_preferences", ("member_id",), "delete"),
)


def _involving(member: Member) -> Any:
    return or_(
        MentorPair.mentor_member_id == member.id,
        MentorPair.mentee_member_id == member.id,
        MentorPair.created_by_member_id == member.id,
    )


async def export(session: AsyncSession, member: Member) -> dict[str, Any]:
    pairs = list(await session.scalars(select(MentorPair).where(_involving(member)).order_by(MentorPair.id)))
    meetings = list(
        await session.scalars(
            select(MentorMeeting)
            .where(MentorMeeting.pair_id.in_([pair.id for pair in pairs]))
            .order_by(MentorMeeting.due_at)
        )
    )
    preference = await session.get(MentoringPreference, member.id)
    return {
        "pairs": [
            {
                "id": pair.id,
                "role": "mentor" if pair.mentor_member_id == member.id else "mentee",
                "cadence": pair.cadence,
                "goal": pair.goal,
                "state": pair.state,
                "created_at": pair.created_at.isoformat(),
                "started_at": pair.started_at.isoformat() if pair.started_at else None,
                "ended_at": pair.ended_at.isoformat() if pair.ended_at else None,
                "meetings": [
                    {"due_at": meeting.due_at.isoformat(), "met": meeting.met, "follow_up": meeting.follow_up}
                    for meeting in meetings
                    if meeting.pair_id == pair.id
                ],
            }
            for pair in pairs
            if member.id in (pair.mentor_member_id, pair.mentee_member_id)
        ],
        "pairs_created": [pair.id for pair in pairs if pair.created_by_member_id == member.id],
        "suggestable": preference.suggestable if preference else True,
    }


async def erase(session: AsyncSession, member: Member, policy: Any) -> None:
    """`policy` is the shared ErasePolicy; nothing here depends on keep_shared_learnings (a goal is personal)."""
    await session.execute(delete(MentoringPreference).where(MentoringPreference.member_id == member.id))
    for pair in await session.scalars(select(MentorPair).where(_involving(member))):
        if member.id in (pair.mentor_member_id, pair.mentee_member_id):
            pair.goal = None  # the pair's own words
            if pair.state in ("active", "proposed"):
                pair.state = "ended"
            if pair.series_id is not None and (series := await session.get(Series, pair.series_id)) is not None:
                series.paused, series.next_due_at, series.audience_member_ids = True, None, []
        if pair.mentor_member_id == member.id:
            pair.mentor_member_id = None
        if pair.mentee_member_id == member.id:
            pair.mentee_member_id = None
        if pair.created_by_member_id == member.id:
            pair.created_by_member_id = None
    await session.flush()
