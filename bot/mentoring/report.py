"""`mentor report`: counts for programme owners (pairs and circles active, meetings held per month, goals done),
never free text, and every figure through the shared k-anonymity rule (bot/privacy/k_anonymity.py) with the
team's K: no figure about fewer than K people, none that another figure would reveal by subtraction.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.circles.tables import Circle, CircleGroupMember, CircleMeeting, CircleMember
from bot.goals.tables import LearningGoal
from bot.mentoring.tables import MentorMeeting, MentorPair
from bot.privacy.k_anonymity import Group, Rule, Shown, Withheld

MONTHS_SHOWN = 3


@dataclass(frozen=True)
class Figure:
    label: str  # a catalog key under mentoring.report_
    period: str | None
    shown: Shown[int] | Withheld


def _people(pairs: Iterable[MentorPair]) -> frozenset[Hashable]:
    return frozenset(m for pair in pairs for m in (pair.mentor_member_id, pair.mentee_member_id) if m is not None)


def _months(now: datetime, zone: ZoneInfo) -> list[str]:
    local = now.astimezone(zone).replace(day=1)
    months = []
    for _ in range(MONTHS_SHOWN):
        months.append(local.strftime("%Y-%m"))
        local = (local - timedelta(days=1)).replace(day=1)
    return months


def _month(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%Y-%m")


async def _pair_groups(session: AsyncSession, tenant_id: int, months: list[str], zone: ZoneInfo) -> list[Group[int]]:
    pairs = list(await session.scalars(select(MentorPair).where(MentorPair.tenant_id == tenant_id)))
    active = [pair for pair in pairs if pair.state == "active"]
    groups = [Group("active_pairs", _people(active), len(active))]
    by_id = {pair.id: pair for pair in pairs}
    held: dict[str, list[MentorMeeting]] = {}
    for meeting in await session.scalars(
        select(MentorMeeting).where(MentorMeeting.pair_id.in_(by_id), MentorMeeting.met.is_(True))
    ):
        held.setdefault(_month(meeting.due_at, zone), []).append(meeting)
    for month in months:
        meetings = held.get(month, [])
        people = _people(by_id[pair_id] for pair_id in {meeting.pair_id for meeting in meetings})
        groups.append(Group(f"meetings_held:{month}", people, len(meetings)))
    return groups


async def _circle_groups(session: AsyncSession, tenant_id: int, months: list[str], zone: ZoneInfo) -> list[Group[int]]:
    circles = list(await session.scalars(select(Circle).where(Circle.tenant_id == tenant_id, Circle.state == "active")))
    joined = frozenset(
        await session.scalars(
            select(CircleMember.member_id).where(CircleMember.circle_id.in_([circle.id for circle in circles]))
        )
    )
    groups = [Group("active_circles", joined, len(circles))]
    held: dict[str, set[int]] = {}
    meetings = await session.execute(
        select(CircleMeeting.group_id, CircleMeeting.due_at)
        .join(Circle, Circle.id == CircleMeeting.circle_id)
        .where(Circle.tenant_id == tenant_id, CircleMeeting.met.is_(True), CircleMeeting.group_id.is_not(None))
    )
    for group_id, due_at in meetings:
        if group_id is not None:
            held.setdefault(_month(due_at, zone), set()).add(group_id)  # a follow-up's "yes" is the same meeting
    members: dict[int, set[int]] = {}
    every_group = {group_id for ids in held.values() for group_id in ids}
    for group_id, member_id in await session.execute(
        select(CircleGroupMember.group_id, CircleGroupMember.member_id).where(
            CircleGroupMember.group_id.in_(every_group)
        )
    ):
        members.setdefault(group_id, set()).add(member_id)
    for month in months:
        ids = held.get(month, set())
        people = frozenset(member for group_id in ids for member in members.get(group_id, ()))
        groups.append(Group(f"circle_meetings_held:{month}", people, len(ids)))
    return groups


async def _goal_groups(session: AsyncSession, tenant_id: int, months: list[str], zone: ZoneInfo) -> list[Group[int]]:
    done: dict[str, list[int]] = {}
    for member_id, done_at in await session.execute(
        select(LearningGoal.member_id, LearningGoal.done_at).where(
            LearningGoal.tenant_id == tenant_id, LearningGoal.done_at.is_not(None)
        )
    ):
        if done_at is not None:
            done.setdefault(_month(done_at, zone), []).append(member_id)
    return [Group(f"goals_done:{month}", frozenset(done.get(month, [])), len(done.get(month, []))) for month in months]


async def mentoring_report(
    session: AsyncSession, tenant_id: int, now: datetime, zone: ZoneInfo, rule: Rule
) -> list[Figure]:
    """Every figure of the report, as the rule lets it be shown; all of them go through the rule together, so a
    figure nested in another (people who met among people in pairs) cannot reveal a few by subtraction."""
    months = _months(now, zone)
    groups = [
        *await _pair_groups(session, tenant_id, months, zone),
        *await _circle_groups(session, tenant_id, months, zone),
        *await _goal_groups(session, tenant_id, months, zone),
    ]
    figures = []
    for result in rule.apply(groups):
        label, _, period = result.key.partition(":")
        figures.append(Figure(label, period or None, result))
    return figures
