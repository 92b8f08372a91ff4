"""Mentoring's personal data, in the shape of the shared contract (/work/wt/PRIVACY_CONTRACT.md; the privacy
branch owns the mechanism and registers these at merge).

Export: the member's pairs, their meetings and their suggestion preference. Erase: the preference goes; a pair
keeps counting in aggregates (meetings held) but no longer names the member, and an erased member's pairs end,
so nobody gets check-ins about them. Check-in answers live in the conversation engine's responses, which the
engine's own contract covers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import Series
from bot.db.models import Member
from bot.mentoring.tables import MentoringPreference, MentorMeeting, MentorPair
from bot.privacy.contract import ErasePolicy, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import rows

FEATURE = "mentoring"


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


async def export(session: AsyncSession, member: Member) -> dict[str, Rows]:
    """The pairs the member is in or created, the meetings of their own pairs, and their suggestion setting."""
    own_pairs = select(MentorPair.id).where(
        or_(MentorPair.mentor_member_id == member.id, MentorPair.mentee_member_id == member.id)
    )
    return {
        "mentor_pairs": await rows(session, MentorPair.__table__, _involving(member)),
        "mentor_meetings": await rows(session, MentorMeeting.__table__, MentorMeeting.pair_id.in_(own_pairs)),
        "mentoring_preferences": await rows(
            session, MentoringPreference.__table__, MentoringPreference.member_id == member.id
        ),
    }


async def erase(session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
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


CONTRACT = PersonalDataContract(FEATURE, TABLES, export=export, erase=erase)
