"""A circle's round, drawn when its draw round of the conversation engine closes: who takes part (opted in, not
paused or opted out), what they have in common and when they met before, the matching (bot/circles/matching.py),
and the groups recorded with their announcement and their check-in scheduled as rounds of the engine."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.circles.matching import Candidate, History, Match, match_round
from bot.circles.tables import Circle, CircleAvoid, CircleGroup, CircleGroupMember, CircleMember
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Closing, Window
from bot.conversations.rounds import RoundPlan, SeriesPlan
from bot.conversations.tables import Series
from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.learning.tables import Learning, LearningTag
from bot.mentoring.checkin import CHECKIN_TIME
from bot.model import ConversationKind
from bot.people.availability import Recipient, away_reason
from bot.people.tables import MemberSettings

DRAW_KIND = "circles.draw"
MATCH_KIND = "circles.match"
CHECKIN_KIND = "circles.checkin"
DRAW_TIME = "09:00"
# Announcements reach each member at this time of their own working day; check-ins as for mentor pairs.
ANNOUNCE_TIME = DRAW_TIME
# A circle's rounds are planned two years ahead; `circle start` again continues one beyond that.
PLANNED_DAYS = 2 * 366
TOPIC_DAYS = 180  # learnings this recent say what someone is into
HISTORY_DAYS = 2 * 365  # meetings older than this no longer weigh (the decay has long reached nothing)
ANNOUNCE_WINDOW = timedelta(days=1)
CHECKIN_WINDOW = timedelta(days=2)
# The check-in comes this long before the next round is drawn, so it closes in time.
CHECKIN_BEFORE_NEXT = timedelta(days=4)
MIN_CHECKIN_AFTER = timedelta(days=3)


def series_plan(circle: Circle, start: datetime) -> SeriesPlan:
    """The draw rounds: every `every_weeks` weeks from tomorrow (a day to join), at 09:00 the team's time on working
    days. Nobody is asked anything: the round closes at once and its close draws the groups."""
    return SeriesPlan(
        kind=DRAW_KIND,
        tenant_id=circle.tenant_id,
        audience=Audience.listed(()),
        window=Window(timedelta(0)),
        anchor_at=start,
        offsets_days=tuple(range(1, PLANNED_DAYS, 7 * circle.every_weeks)),
        local_time=DRAW_TIME,
        working_days=True,
        conversation_id=circle.conversation_id,
        created_by_member_id=circle.created_by_member_id,
        subject=f"circle:{circle.id}",
        summary=True,
        settings={"circle_id": circle.id},
    )


def next_weekday(instant: datetime) -> datetime:
    while instant.weekday() >= 5:
        instant += timedelta(days=1)
    return instant


def checkin_due(drawn_at: datetime, every_weeks: int) -> datetime:
    return next_weekday(drawn_at + max(timedelta(weeks=every_weeks) - CHECKIN_BEFORE_NEXT, MIN_CHECKIN_AFTER))


def day_start(instant: datetime, zone: str) -> datetime:
    """Midnight of `instant`'s date in `zone`: a round due then with a local time asks everybody on that date as
    the team sees it, each at their own hour (already past in a zone far east: at once)."""
    local = instant.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date(), time(0), local.tzinfo).astimezone(UTC)


async def candidates(session: AsyncSession, circle: Circle, now: datetime) -> list[Candidate]:
    tenant = await session.get_one(Tenant, circle.tenant_id)
    rows = (
        await session.execute(
            select(
                Member.id, Member.timezone, MemberSettings.opted_out, MemberSettings.paused, MemberSettings.paused_until
            )
            .join(CircleMember, CircleMember.member_id == Member.id)
            .outerjoin(MemberSettings, MemberSettings.member_id == Member.id)
            .where(CircleMember.circle_id == circle.id)
        )
    ).all()
    ids = [row[0] for row in rows]
    topics: dict[int, set[str]] = {}
    found = await session.execute(
        select(Learning.member_id, LearningTag.tag)
        .join(LearningTag, LearningTag.learning_id == Learning.id)
        .where(
            Learning.member_id.in_(ids),
            Learning.private.is_(False),
            Learning.created_at >= now - timedelta(days=TOPIC_DAYS),
        )
    )
    for member_id, tag in found:
        topics.setdefault(member_id, set()).add(tag.casefold())
    teams = await home_teams(session, circle, ids)
    avoid: dict[int, set[int]] = {}
    for member_id, avoided in await session.execute(
        select(CircleAvoid.member_id, CircleAvoid.avoided_member_id).where(CircleAvoid.member_id.in_(ids))
    ):
        avoid.setdefault(member_id, set()).add(avoided)
    people = []
    for member_id, zone_name, opted_out, paused, until in rows:
        zone = zone_name or tenant.timezone
        offset = now.astimezone(ZoneInfo(zone)).utcoffset()
        away = away_reason(Recipient(zone, None, bool(opted_out), bool(paused), until), now)
        people.append(
            Candidate(
                member_id=member_id,
                team=teams.get(member_id),
                utc_offset_hours=offset.total_seconds() / 3600 if offset else 0.0,
                topics=frozenset(topics.get(member_id, ())),
                paused=away == "paused",
                opted_out=away == "opted_out",
                avoid=frozenset(avoid.get(member_id, ())),
            )
        )
    return people


async def home_teams(session: AsyncSession, circle: Circle, member_ids: list[int]) -> dict[int, str]:
    """Each member's team, for the cross-team reward: of the other channels they are in where learnbot runs
    something for a team (nudges, retros, a digest), the smallest (the most specific: "#payments" before
    "#engineering"). Channels everybody is in ("#general") hold no such series and do not count."""
    team_channels = (
        select(Conversation.id)
        .where(
            Conversation.tenant_id == circle.tenant_id,
            Conversation.kind != ConversationKind.DIRECT.value,
            Conversation.id != circle.conversation_id,
            exists().where(Series.conversation_id == Conversation.id, Series.kind.not_like("circles.%")),
        )
        .scalar_subquery()
    )
    sizes = dict(
        (
            await session.execute(
                select(ConversationMember.conversation_id, func.count())
                .where(ConversationMember.conversation_id.in_(team_channels))
                .group_by(ConversationMember.conversation_id)
            )
        ).all()
    )
    if not sizes:
        return {}
    found = await session.execute(
        select(ConversationMember.member_id, Conversation.id, Conversation.name, Conversation.platform_conversation_id)
        .join(Conversation, Conversation.id == ConversationMember.conversation_id)
        .where(ConversationMember.member_id.in_(member_ids), Conversation.id.in_(list(sizes)))
    )
    best: dict[int, tuple[int, str, str]] = {}
    for member_id, conversation_id, name, platform_id in found:
        choice = (sizes[conversation_id], name or platform_id, f"#{name or platform_id}")
        if member_id not in best or choice < best[member_id]:
            best[member_id] = choice
    return {member_id: label for member_id, (_, _, label) in best.items()}


async def history(session: AsyncSession, circle_id: int, now: datetime) -> History:
    """Who met whom in this circle's earlier rounds, and who was in a trio when."""
    past = History()
    groups: dict[int, tuple[datetime, list[int]]] = {}
    found = await session.execute(
        select(CircleGroup.id, CircleGroup.drawn_at, CircleGroupMember.member_id)
        .join(CircleGroupMember, CircleGroupMember.group_id == CircleGroup.id)
        .where(CircleGroup.circle_id == circle_id, CircleGroup.drawn_at >= now - timedelta(days=HISTORY_DAYS))
    )
    for group_id, drawn_at, member_id in found:
        groups.setdefault(group_id, (drawn_at, []))[1].append(member_id)
    for drawn_at, members in sorted(groups.values()):
        past.record(members, drawn_at)
    return past


async def draw(session: AsyncSession, circle: Circle, round_id: int, closing: Closing) -> list[Match]:
    """Match this round's groups, record them, and schedule each group's announcement and check-in."""
    if await session.scalar(select(CircleGroup.id).where(CircleGroup.round_id == round_id).limit(1)) is not None:
        return []  # drawn already (a retried close)
    now = closing.now
    zone = (await session.get_one(Tenant, circle.tenant_id)).timezone
    matches = match_round(
        await candidates(session, circle, now), await history(session, circle.id, now), now, size=circle.size
    )
    for match in matches:
        group = CircleGroup(
            circle_id=circle.id,
            round_id=round_id,
            drawn_at=now,
            reasons=[[key, dict(params)] for key, params in match.reasons],
        )
        session.add(group)
        await session.flush()
        session.add_all(CircleGroupMember(group_id=group.id, member_id=member) for member in match.member_ids)
        audience = Audience.listed(match.member_ids)
        context = {"circle_id": circle.id, "group_id": group.id}
        await closing.schedule(
            RoundPlan(
                MATCH_KIND,
                circle.tenant_id,
                audience,
                day_start(now, zone),
                Window(ANNOUNCE_WINDOW),
                include_weekends=False,
                context=context,
                local_time=ANNOUNCE_TIME,
            )
        )
        await closing.schedule(
            RoundPlan(
                CHECKIN_KIND,
                circle.tenant_id,
                audience,
                day_start(checkin_due(now, circle.every_weeks), zone),
                Window(CHECKIN_WINDOW),
                include_weekends=False,
                context=context,
                local_time=CHECKIN_TIME,
            )
        )
    await session.flush()
    return matches


async def group_members(session: AsyncSession, group_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(CircleGroupMember.member_id)
            .where(CircleGroupMember.group_id == group_id)
            .order_by(CircleGroupMember.member_id)
        )
    )
