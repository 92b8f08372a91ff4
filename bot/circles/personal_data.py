"""Learning circles' personal data (the shared contract of bot/privacy/contract.py).

Export: the circles the member started, their opt-ins, their own "don't pair me with" list (not other people's
lists that name them: those are the others' choices), the groups they were in and those groups' meetings. Erase:
opt-ins, group memberships and avoid rows in both directions go; a circle they started stays without their name;
groups and meetings keep counting, tied to nobody. Check-in answers live in the engine's responses, which the
engine's own contract covers.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.circles.tables import Circle, CircleAvoid, CircleGroup, CircleGroupMember, CircleMeeting, CircleMember
from bot.db.models import Member
from bot.privacy.contract import ErasePolicy, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import rows

FEATURE = "circles"

TABLES = (
    TableUse("circles", ("created_by_member_id",), "anonymise"),
    TableUse("circle_members", ("member_id",), "delete"),
    TableUse("circle_avoids", ("member_id", "avoided_member_id"), "delete"),
    TableUse("circle_groups", (), "keep-unlinked"),  # refers to members only through circle_group_members
    TableUse("circle_group_members", ("member_id",), "delete"),
    TableUse("circle_meetings", (), "keep-unlinked"),  # refers to members only through its group
)


async def export(session: AsyncSession, member: Member) -> dict[str, Rows]:
    own_groups = select(CircleGroupMember.group_id).where(CircleGroupMember.member_id == member.id)
    return {
        "circles": await rows(session, Circle.__table__, Circle.created_by_member_id == member.id),
        "circle_members": await rows(session, CircleMember.__table__, CircleMember.member_id == member.id),
        "circle_avoids": await rows(session, CircleAvoid.__table__, CircleAvoid.member_id == member.id),
        "circle_groups": await rows(session, CircleGroup.__table__, CircleGroup.id.in_(own_groups)),
        "circle_group_members": await rows(
            session, CircleGroupMember.__table__, CircleGroupMember.member_id == member.id
        ),
        "circle_meetings": await rows(session, CircleMeeting.__table__, CircleMeeting.group_id.in_(own_groups)),
    }


async def erase(session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
    """Nothing here depends on `policy` (no learnings are kept or dropped by circles)."""
    await session.execute(delete(CircleMember).where(CircleMember.member_id == member.id))
    await session.execute(
        delete(CircleAvoid).where(or_(CircleAvoid.member_id == member.id, CircleAvoid.avoided_member_id == member.id))
    )
    await session.execute(delete(CircleGroupMember).where(CircleGroupMember.member_id == member.id))
    await session.execute(
        update(Circle).where(Circle.created_by_member_id == member.id).values(created_by_member_id=None)
    )


CONTRACT = PersonalDataContract(FEATURE, TABLES, export=export, erase=erase)
