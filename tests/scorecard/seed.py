"""Three months (and the three before, for trends) of activity, written as the features write their rows, and
the scorecard's figures computed again here from the raw rows, independently of the SQL in the indicators."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.circles.tables import Circle, CircleGroup, CircleGroupMember, CircleMeeting
from bot.conversations.tables import Delivery, Response, Round, Series
from bot.db.models import Conversation, ConversationMember, Member, Tenant
from bot.goals.tables import LearningGoal
from bot.learning.tables import Learning
from bot.mentoring.tables import MentorMeeting, MentorPair
from bot.retros.tables import Retro, RetroAction

DAYS = 200
ORDER = (
    Learning,
    Series,
    Round,
    Delivery,
    Response,
    Retro,
    RetroAction,
    MentorPair,
    MentorMeeting,
    Circle,
    CircleGroup,
    CircleGroupMember,
    CircleMeeting,
    LearningGoal,
)


@dataclass
class World:
    tenant_id: int
    room_id: int
    small_id: int
    members: list[int] = field(default_factory=list)


async def add_member(session: AsyncSession, tenant_id: int, name: str, now: datetime) -> Member:
    member = Member(tenant_id=tenant_id, platform_user_id=f"U-{name}", display_name=name, created_at=now)
    session.add(member)
    await session.flush()
    return member


async def add_channel(session: AsyncSession, tenant_id: int, name: str, members: list[int], now: datetime) -> int:
    channel = Conversation(
        tenant_id=tenant_id, platform_conversation_id=f"C-{name}", kind="channel", name=name, created_at=now
    )
    session.add(channel)
    await session.flush()
    for member_id in members:
        session.add(ConversationMember(conversation_id=channel.id, member_id=member_id, seen_at=now))
    return channel.id


def _moment(rng: random.Random, now: datetime) -> datetime:
    return now - timedelta(seconds=rng.randrange(DAYS * 86_400))


async def seed(session: AsyncSession, tenant_id: int, room_id: int, boss_id: int, now: datetime) -> World:
    """14 members (the boss and 8 others in the room), a channel of 4, and half a year of activity."""
    rng = random.Random(14)
    others = [(await add_member(session, tenant_id, f"m{index}", now)).id for index in range(1, 14)]
    members = [boss_id, *others]
    for member_id in others[:8]:
        session.add(ConversationMember(conversation_id=room_id, member_id=member_id, seen_at=now))
    small_id = await add_channel(session, tenant_id, "small", others[8:12], now)
    world = World(tenant_id, room_id, small_id, members)
    ids = itertools.count(1)  # explicit ids: one flush per table, not one per row (nothing else writes these)
    pending: dict[type, list[object]] = {table: [] for table in ORDER}

    def put(row: object) -> None:
        pending[type(row)].append(row)

    # Prompts: a round every other day to a random half or more of everyone; some anonymous.
    for number in range(DAYS // 2):
        due = now - timedelta(days=2 * number, hours=rng.randrange(24))
        anonymous = number % 7 == 3
        round = Round(
            id=next(ids),
            kind="nudge",
            tenant_id=tenant_id,
            conversation_id=room_id if number % 2 else None,
            due_at=due,
            closes_at=due + timedelta(days=1),
            state="closed",
            anonymous=anonymous,
            created_at=due,
        )
        put(round)
        recipients = rng.sample(members, rng.randrange(8, len(members) + 1))
        for member_id in recipients:
            state = rng.choices(["sent", "skipped", "failed"], [8, 1, 1])[0]
            put(
                Delivery(
                    idempotency_key=f"r{round.id}m{member_id}",
                    purpose="invitation",
                    tenant_id=tenant_id,
                    round_id=round.id,
                    member_id=member_id,
                    due_at=due,
                    state=state,
                    not_before=due,
                    created_at=due,
                    sent_at=due if state == "sent" else None,
                )
            )
            if rng.random() < 0.3:  # a reminder is no invitation
                put(
                    Delivery(
                        idempotency_key=f"rem{round.id}m{member_id}",
                        purpose="reminder",
                        tenant_id=tenant_id,
                        round_id=round.id,
                        member_id=member_id,
                        due_at=due,
                        state="sent",
                        not_before=due,
                        created_at=due,
                    )
                )
        answering = [m for m in members if rng.random() < (0.75 if m in recipients else 0.1)]
        for member_id in answering:
            put(
                Response(
                    round_id=round.id,
                    respondent=f"h{rng.random()}" if anonymous else f"m{member_id}",
                    member_id=None if anonymous else member_id,
                    answers={"text": "an answer"},
                    created_at=due,
                    updated_at=due,
                )
            )

    # Learnings, some private, each resurfaced after 1 and 7 days with an answer to "did you use it?".
    for _ in range(600):
        author = rng.choice(members)
        created = _moment(rng, now)
        learning = Learning(
            id=next(ids),
            tenant_id=tenant_id,
            member_id=author,
            text="Something learned",
            language="en",
            created_at=created,
            private=rng.random() < 0.15,
        )
        put(learning)
        series = Series(
            id=next(ids),
            kind="resurface",
            tenant_id=tenant_id,
            owner_member_id=author,
            subject=f"learning:{learning.id}",
            audience="member",
            audience_member_ids=[author],
            window_seconds=86_400,
            created_at=created,
        )
        put(series)
        for offset in (1, 7):
            due = created + timedelta(days=offset)
            if due >= now:
                continue
            ask = Round(
                id=next(ids),
                kind="resurface",
                series_id=series.id,
                tenant_id=tenant_id,
                due_at=due,
                closes_at=due + timedelta(days=1),
                state="closed",
                created_at=due,
            )
            put(ask)
            put(
                Delivery(
                    idempotency_key=f"res{ask.id}",
                    purpose="invitation",
                    tenant_id=tenant_id,
                    round_id=ask.id,
                    member_id=author,
                    due_at=due,
                    state=rng.choices(["sent", "skipped"], [9, 1])[0],
                    not_before=due,
                    created_at=due,
                )
            )
            if rng.random() < 0.7:
                outcome = rng.choice(["yes", "not_yet", "not_relevant"])
                put(
                    Response(
                        round_id=ask.id,
                        respondent=f"m{author}",
                        member_id=author,
                        answers={"outcome": outcome},
                        created_at=due,
                        updated_at=due,
                    )
                )

    # Retros in the room and the small channel, and their action items.
    for _ in range(80):
        closed = _moment(rng, now)
        where = rng.choice([room_id, room_id, small_id])
        phase = rng.choices(["closed", "withheld", "deleted", "collecting"], [6, 1, 1, 1])[0]
        retro = Retro(
            id=next(ids),
            tenant_id=tenant_id,
            conversation_id=where,
            template="start-stop-continue",
            phase=phase,
            created_at=closed - timedelta(days=2),
            closed_at=None if phase == "collecting" else closed,
        )
        put(retro)
        for _ in range(rng.randrange(1, 4)):
            created = closed
            due_on = (created + timedelta(days=rng.randrange(1, 20))).date() if rng.random() < 0.8 else None
            done = (
                created + timedelta(days=rng.randrange(0, 30), hours=rng.randrange(24)) if rng.random() < 0.7 else None
            )
            put(
                RetroAction(
                    tenant_id=tenant_id,
                    conversation_id=where,
                    retro_id=retro.id,
                    text="Do the thing",
                    owner_member_id=rng.choice(members),
                    due_on=due_on,
                    done_at=done if done is not None and done < now else None,
                    created_at=created,
                )
            )

    # Mentor pairs meeting every other week; goals, some reached.
    pairs = [(members[i], members[i + 1]) for i in range(0, len(members), 2)]
    for mentor, mentee in pairs:
        pair = MentorPair(
            id=next(ids),
            tenant_id=tenant_id,
            mentor_member_id=mentor,
            mentee_member_id=mentee,
            cadence="biweekly",
            state="active",
            created_at=now - timedelta(days=DAYS),
        )
        put(pair)
        for week in range(0, DAYS // 7, 2):
            put(
                MentorMeeting(
                    pair_id=pair.id,
                    due_at=now - timedelta(weeks=week, hours=rng.randrange(48)),
                    met=rng.choice([True, True, False, None]),
                )
            )
    # A learning circle in the room: trios drawn every two weeks, each meeting held or not.
    circle = Circle(
        id=next(ids),
        tenant_id=tenant_id,
        conversation_id=world.room_id,
        every_weeks=2,
        size=3,
        state="active",
        created_at=now - timedelta(days=DAYS),
    )
    put(circle)
    for week in range(0, DAYS // 7, 2):
        # Everyone in the room, shuffled into three trios (the room's nine are the circle).
        drawn = rng.sample([boss_id, *others[:8]], 9)
        for trio in (drawn[:3], drawn[3:6], drawn[6:]):
            group = CircleGroup(id=next(ids), circle_id=circle.id, drawn_at=now - timedelta(weeks=week, days=1))
            put(group)
            for member in trio:
                put(CircleGroupMember(group_id=group.id, member_id=member))
            put(
                CircleMeeting(
                    circle_id=circle.id,
                    group_id=group.id,
                    due_at=now - timedelta(weeks=week, hours=rng.randrange(48)),
                    met=rng.choice([True, False, None]),
                )
            )
    for _ in range(60):
        created = _moment(rng, now)
        done = created + timedelta(days=rng.randrange(60)) if rng.random() < 0.6 else None
        put(
            LearningGoal(
                tenant_id=tenant_id,
                member_id=rng.choice(members),
                text="Learn Terraform",
                created_at=created,
                done_at=done if done is not None and done < now else None,
            )
        )
    for table in ORDER:  # parents before children
        session.add_all(pending[table])
        await session.flush()
    return world


# --- the same figures, from the raw rows ---------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    value: float | None
    parts: tuple[int, int] | None


async def _all(session: AsyncSession, table: type) -> list:  # type: ignore[type-arg]
    return list(await session.scalars(select(table)))


async def expected(
    session: AsyncSession, tenant_id: int, channel_id: int | None, start: datetime, end: datetime
) -> dict[str, Expected]:
    if channel_id is None:
        team = {m.id for m in await _all(session, Member) if m.tenant_id == tenant_id}
    else:
        team = {row.member_id for row in await _all(session, ConversationMember) if row.conversation_id == channel_id}

    def during(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    def here(row_tenant: int, row_channel: int | None) -> bool:
        return row_tenant == tenant_id if channel_id is None else row_channel == channel_id

    rounds = {r.id: r for r in await _all(session, Round)}
    deliveries = await _all(session, Delivery)
    responses = await _all(session, Response)
    series = {s.id: s for s in await _all(session, Series)}

    invited = [
        d
        for d in deliveries
        if d.purpose == "invitation" and d.state == "sent" and d.member_id in team and during(rounds[d.round_id].due_at)
    ]
    answered_named = {(r.round_id, r.member_id) for r in responses if r.member_id is not None}
    answered = sum(
        1 for d in invited if not rounds[d.round_id].anonymous and (d.round_id, d.member_id) in answered_named
    )
    for round_id in {d.round_id for d in invited if rounds[d.round_id].anonymous}:
        got = sum(1 for r in responses if r.round_id == round_id)
        answered += min(got, sum(1 for d in invited if d.round_id == round_id))
    figures = {"participation": _share(answered, len(invited))}

    learnings = [
        row
        for row in await _all(session, Learning)
        if row.member_id in team and not row.private and during(row.created_at)
    ]
    weeks = (end - start).total_seconds() / (7 * 86_400)
    figures["learnings"] = Expected(len(learnings) / (len(team) * weeks), None)

    asked: dict[int, set[int]] = {}
    for d in deliveries:
        round = rounds[d.round_id]
        owner = series[round.series_id].owner_member_id if round.series_id in series else None
        if (
            round.kind == "resurface"
            and d.purpose == "invitation"
            and d.state == "sent"
            and owner in team
            and during(round.due_at)
        ):
            asked.setdefault(round.series_id, set()).add(round.id)
    applied = {
        series_id
        for series_id, round_ids in asked.items()
        if any(
            r.round_id in round_ids
            and r.member_id == series[series_id].owner_member_id
            and r.answers.get("outcome") == "yes"
            for r in responses
        )
    }
    figures["applied"] = _share(len(applied), len(asked))

    retros = await _all(session, Retro)
    figures["retros"] = Expected(
        float(
            sum(
                1
                for r in retros
                if here(r.tenant_id, r.conversation_id) and r.phase in ("closed", "withheld") and during(r.closed_at)
            )
        ),
        None,
    )
    actions = [a for a in await _all(session, RetroAction) if here(a.tenant_id, a.conversation_id)]
    agreed = [a for a in actions if during(a.created_at)]
    figures["actions_closed"] = _share(sum(1 for a in agreed if a.done_at and a.done_at < end), len(agreed))
    with_due = [a for a in actions if a.due_on is not None and during(a.done_at)]
    figures["actions_on_time"] = _share(
        sum(1 for a in with_due if a.done_at.astimezone(UTC).date() <= a.due_on), len(with_due)
    )

    pairs = {
        p.id: p for p in await _all(session, MentorPair) if p.mentor_member_id in team or p.mentee_member_id in team
    }
    meetings = [m for m in await _all(session, MentorMeeting) if m.pair_id in pairs and during(m.due_at)]
    figures["mentor_meetings"] = _share(sum(1 for m in meetings if m.met is True), len(meetings))
    tenant_circles = {c.id for c in await _all(session, Circle) if c.tenant_id == tenant_id}
    group_members = await _all(session, CircleGroupMember)
    circle_meetings = [
        m
        for m in await _all(session, CircleMeeting)
        if m.circle_id in tenant_circles
        and during(m.due_at)
        and any(g.group_id == m.group_id and g.member_id in team for g in group_members)
    ]
    figures["circle_meetings"] = _share(sum(1 for m in circle_meetings if m.met is True), len(circle_meetings))
    goals = [g for g in await _all(session, LearningGoal) if g.member_id in team and during(g.done_at)]
    figures["goals_done"] = Expected(float(len(goals)), None)
    return figures


def _share(part: int, whole: int) -> Expected:
    return Expected(part / whole if whole else None, (part, whole))


def local_date(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


async def tenant_zone(session: AsyncSession, tenant_id: int) -> str:
    tenant = await session.get(Tenant, tenant_id)
    assert tenant is not None
    return tenant.timezone
