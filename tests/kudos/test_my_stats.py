"""`my stats`: a member's own figures, privately and in their language, equal to what the raw rows say."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.tables import Delivery, Response, Round
from bot.db.models import Member
from bot.goals.tables import LearningGoal
from bot.kudos.tables import Kudos
from bot.learning.tables import Learning
from bot.model import Fields, OutboundMessage
from bot.retros.tables import RetroAction
from tests.kudos.support import command, team_in_room, used_it

DAY = timedelta(days=1)


def pairs(reply: OutboundMessage) -> dict[str, str]:
    return {label: value for block in reply.blocks if isinstance(block, Fields) for label, value in block.pairs}


async def seed(app: App, clock: ManualClock) -> int:
    """Bo's activity: commands where a member would use them, engine rows as the engine writes them."""
    await command(app, "learned Small PRs get reviewed faster #review", "bo")
    await command(app, "learned Pairing on incidents spreads knowledge", "bo")
    await command(app, "learned --private I rush reviews on Fridays", "bo")
    await command(app, "learned Bisect before guessing", "cy")
    await command(app, "kudos @Bo for the review", "anna", "bo")
    await command(app, "kudos @Bo", "cy", "bo")
    await command(app, "kudos @Dan", "bo", "dan")
    await command(app, "goal add Learn Terraform", "bo")
    await command(app, "goal add Speak at a meetup", "bo")
    await command(app, "goal done 1", "bo")
    now = clock.now()
    async with app.sessions() as session:
        bo = await session.scalar(select(Member).where(Member.display_name == "Bo"))
        assert bo is not None
        old = Learning(
            tenant_id=bo.tenant_id, member_id=bo.id, text="An old one", language="en", created_at=now - 100 * DAY
        )
        session.add(old)
        session.add_all(
            [
                RetroAction(
                    tenant_id=bo.tenant_id,
                    conversation_id=1,
                    text="Fix CI",
                    owner_member_id=bo.id,
                    created_at=now,
                    done_at=now,
                ),
                RetroAction(
                    tenant_id=bo.tenant_id, conversation_id=1, text="Write docs", owner_member_id=bo.id, created_at=now
                ),
            ]
        )
        # Nudge rounds over four months: answered, unanswered, skipped, and an answer to a channel post.
        plan = [
            (-120, "sent", True),
            (-40, "sent", True),
            (-30, "sent", False),
            (-20, "skipped", False),
            (-10, "sent", True),
            (-3, "sent", True),
            (-2, None, True),
        ]
        for number, (days, state, answered) in enumerate(plan):
            due = now + days * DAY
            round = Round(
                kind="nudge", tenant_id=bo.tenant_id, due_at=due, closes_at=due + DAY, state="closed", created_at=due
            )
            session.add(round)
            await session.flush()
            if state is not None:
                session.add(
                    Delivery(
                        idempotency_key=f"seed{number}",
                        purpose="invitation",
                        tenant_id=bo.tenant_id,
                        round_id=round.id,
                        member_id=bo.id,
                        due_at=due,
                        state=state,
                        not_before=due,
                        created_at=due,
                    )
                )
            if answered:
                session.add(
                    Response(
                        round_id=round.id,
                        respondent=f"m{bo.id}",
                        member_id=bo.id,
                        answers={"answer": "it went well"},
                        created_at=due,
                        updated_at=due,
                    )
                )
        # Bo said yes to "did you use it?" for his first learning.
        first = await session.scalar(select(Learning).where(Learning.member_id == bo.id).order_by(Learning.id))
        assert first is not None
        await used_it(session, bo, first, now - DAY, now)
        await session.commit()
        return bo.id


def expected_streak(
    rounds: list[Round], deliveries: list[Delivery], responses: list[Response], bo: int, now: datetime
) -> tuple[int, int]:
    invited = {d.round_id: d.state for d in deliveries if d.member_id == bo and d.purpose == "invitation"}
    answered = {r.round_id for r in responses if r.member_id == bo}
    current = best = 0
    for round in sorted(rounds, key=lambda r: (r.due_at, r.id)):
        if round.kind != "nudge" or (round.id not in invited and round.id not in answered):
            continue
        if round.id in answered:
            current += 1
            best = max(best, current)
        elif invited.get(round.id) == "sent" and (round.state != "open" or round.closes_at <= now):
            current = 0
    return current, best


async def test_my_stats_equal_what_the_raw_rows_say_and_only_the_member_sees_them(app: App, clock: ManualClock) -> None:
    await team_in_room(app)
    bo = await seed(app, clock)
    [reply] = await command(app, "my stats", "bo")
    assert reply.private
    shown = pairs(reply)
    now = clock.now()
    since = now - timedelta(days=90)
    async with app.sessions() as session:
        learnings = list(await session.scalars(select(Learning)))
        kudos = list(await session.scalars(select(Kudos)))
        responses = list(await session.scalars(select(Response)))
        deliveries = list(await session.scalars(select(Delivery)))
        rounds = list(await session.scalars(select(Round)))
        goals = list(await session.scalars(select(LearningGoal)))
        actions = list(await session.scalars(select(RetroAction)))
    mine = [learning for learning in learnings if learning.member_id == bo]
    asked = [
        d
        for d in deliveries
        if d.member_id == bo and d.purpose == "invitation" and d.state == "sent" and d.due_at >= since
    ]
    answered_rounds = {r.round_id for r in responses if r.member_id == bo}
    answered = [d for d in asked if d.round_id in answered_rounds]
    current, best = expected_streak(rounds, deliveries, responses, bo, now)
    my_goals = [goal for goal in goals if goal.member_id == bo]
    my_actions = [action for action in actions if action.owner_member_id == bo]
    assert shown == {
        "Answers to prompts": str(sum(1 for r in responses if r.member_id == bo)),
        "Prompts answered (last 90 days)": (
            f"{round(100 * len(answered) / len(asked))}% ({len(answered)} of {len(asked)})"
        ),
        "Streak": f"{current} in a row (best {best})",
        "Learnings logged": (
            f"{len(mine)} ({sum(1 for x in mine if x.created_at >= since)} in the last 90 days; "
            f"{sum(1 for x in mine if x.private)} private)"
        ),
        "Learnings you applied": "1",
        "Kudos": (
            f"{sum(1 for k in kudos if k.receiver_member_id == bo)} received · "
            f"{sum(1 for k in kudos if k.giver_member_id == bo)} given"
        ),
        "Learning goals reached": f"{sum(1 for g in my_goals if g.done_at)} of {len(my_goals)}",
        "Retro action items done": f"{sum(1 for a in my_actions if a.done_at)} of {len(my_actions)}",
    }
    # The seeded figures are not trivial: the comparison above means something.
    assert (len(asked), len(answered), current, best) == (4, 3, 3, 3)
    # In Danish for a Danish member; Cy's own figures are Cy's.
    await command(app, "language da", "bo")
    [danish] = await command(app, "mine tal", "bo")
    assert "Dine tal" in danish.text and pairs(danish)["Kudos"] == "2 modtaget · 1 givet"
    [cy] = await command(app, "my stats", "cy")
    assert pairs(cy)["Kudos"] == "0 received · 1 given" and pairs(cy)["Learnings logged"].startswith("1 (")
