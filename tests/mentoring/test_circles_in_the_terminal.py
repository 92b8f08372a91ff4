"""Learning circles end to end in the terminal on a ManualClock: a manager starts a circle in the channel, members
join, one pauses and one does not want to meet another; each round is drawn at 09:00 on a working day, the channel
hears it is drawn (no head count), every group gets its announcement with a reason, "did you meet?" comes before
the next round, a group that did not say it met gets exactly one follow-up, every closed check-in is a row of
circle_meetings, the next round repeats no pair, and `mentor report` counts circles without showing small groups."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from adapters.app import App
from bot.circles.tables import CircleGroup, CircleGroupMember, CircleMeeting
from bot.clock import ManualClock
from bot.conversations.kinds import CHOOSE_ACTION
from bot.db.models import Member
from tests.mentoring.terminal import Step, Terminal


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def flat(text: str) -> str:
    """The terminal wraps long lines: compare words."""
    return " ".join(text.split())


def choose(term: Terminal, conversation: str, value: str) -> Step:
    """The number of the newest choice button in `conversation` whose value ends with `value`."""

    async def step() -> str:
        found = [
            number
            for number, (button, sent) in term.adapter.buttons.items()
            if button.action_id == CHOOSE_ACTION
            and button.value.endswith(value)
            and sent.conversation.id == conversation
        ]
        assert found, f"no {value} button in {conversation}"
        return str(max(found))

    return step


async def _groups(app: App) -> dict[int, list[list[str]]]:
    """Each draw round's groups, as member names."""
    async with app.sessions() as session:
        names = {member.id: member.display_name or "" for member in await session.scalars(select(Member))}
        rows = (
            await session.execute(
                select(CircleGroup.round_id, CircleGroup.id, CircleGroupMember.member_id)
                .join(CircleGroupMember, CircleGroupMember.group_id == CircleGroup.id)
                .order_by(CircleGroup.id, CircleGroupMember.member_id)
            )
        ).all()
    by_round: dict[int, dict[int, list[str]]] = {}
    for round_id, group_id, member_id in rows:
        by_round.setdefault(round_id or 0, {}).setdefault(group_id, []).append(names[member_id])
    return {round_id: sorted(sorted(g) for g in groups.values()) for round_id, groups in sorted(by_round.items())}


async def test_a_circle_matches_announces_checks_in_and_follows_up_once(app: App, clock: ManualClock) -> None:
    clock.set(utc(23, 7))  # Monday 23 November 2026
    term = Terminal(app, clock)
    steps: list[Step] = [
        "hello",  # Anna, the terminal team's first member, is its admin
        ":as Bo",
        term.mark("too_early"),
        "circle join",
        "circle start",  # Bo is no manager
        ":as Anna",
        term.mark("start"),
        "circle start #elsewhere",
        "circle start every fortnight",
        "circle start #T every 2 weeks size 2",
        "circle start",
        term.mark("joins"),
        "circle join",
    ]
    for name in ("Bo", "Carl", "Dan", "Eva"):
        steps += [f":as {name}", "circle join"]
    steps += [
        "pause until 2026-11-30",  # Eva sits the first round out
        ":as Carl",
        "circle avoid @Dan",
        "circle avoid @Carl",
        term.mark("list"),
        "circle list",
        term.at(utc(24, 7, 59), "before_draw"),
        term.at(utc(24, 8), "draw"),  # 09:00 in Copenhagen, a Tuesday
        term.at(utc(24, 8, 1), "drawn"),
        term.at(utc(4, 8, 59, month=12), "before_checkin"),
        term.at(utc(4, 9, 0, month=12), "checkin"),  # ten days after the draw at 10:00 in Copenhagen
        ":as Bo",
        choose(term, "dm-bo", ":met:yes"),
        term.at(utc(6, 9, 1, month=12), "checkin_closed"),
        term.at(utc(7, 9, 0, month=12), "follow_up"),  # Monday 10:00: one gentle follow-up for the other group
        term.at(utc(8, 8, 0, month=12), "second_draw"),
        term.at(utc(8, 8, 1, month=12), "second_drawn"),
        term.at(utc(9, 9, 1, month=12), "follow_up_closed"),
        term.at(utc(14, 8, 0, month=12), "after"),
        ":as Anna",
        term.mark("report"),
        "mentor report",
        term.mark("stop"),
        "circle stop",
        "circle list",
    ]
    await term.run(steps)

    too_early = flat(term.between("too_early", "start"))
    assert "There is no learning circle in this channel" in too_early
    assert "Learning circle #" not in too_early  # Bo may not start one
    start = flat(term.between("start", "joins"))
    assert "Start the circle in #elsewhere itself" in start
    assert "I did not understand every fortnight" in start
    assert "Learning circle #1 started here: every 2 weeks, groups of 2" in start
    assert "the first round is drawn on 2026-11-24 at 09:00" in start
    assert "This channel already has learning circle #1" in start
    joins = flat(term.between("joins", "list"))
    assert joins.count("You joined learning circle #1 (#T)") == 5
    assert "You will not be matched with Dan in any circle" in joins and "That is you." in joins
    assert "#1: #T, every 2 weeks, groups of 2, 5 joined · you are in" in flat(term.between("list", "before_draw"))

    assert term.sent_between("before_draw", "draw") == []
    drawn = term.sent_between("draw", "before_checkin")
    assert ("team-room", "Learning circle #1: this round's groups are drawn.") in [
        (where, text.split(" Check")[0]) for where, text in drawn
    ]
    announced = sorted(where for where, text in drawn if text == "Your learning circle group (#T)")
    assert announced == ["dm-anna", "dm-bo", "dm-carl", "dm-dan"]  # Eva is paused
    assert "You have not been matched before." in flat(term.between("draw", "before_checkin"))
    assert not any("meet?" in text for _, text in term.sent_between("before_checkin", "checkin"))

    rounds = await _groups(app)
    first, second = list(rounds.values())
    assert all(group != ["Carl", "Dan"] for group in first)
    checkins = sorted(where for where, text in term.sent_between("checkin", "checkin_closed") if "meet?" in text)
    assert checkins == ["dm-anna", "dm-bo", "dm-carl", "dm-dan"]
    bo_group = next(group for group in first if "Bo" in group)
    other = next(group for group in first if "Bo" not in group)
    follow_ups = sorted(where for where, text in term.sent_between("follow_up", "second_draw") if "manage" in text)
    assert follow_ups == sorted(f"dm-{name.lower()}" for name in other)
    assert not any("manage" in text for _, text in term.sent_between("second_draw", "after"))  # exactly one

    # The second round: Eva is back (an odd count makes one trio), and no pair of the first round meets again.
    assert sorted(len(group) for group in second) == [2, 3]
    assert "Eva" in [name for group in second for name in group]
    met_before = {frozenset((a, b)) for group in first for a in group for b in group if a != b}
    met_now = {frozenset((a, b)) for group in second for a in group for b in group if a != b}
    assert not met_before & met_now and frozenset(("Carl", "Dan")) not in met_now

    async with app.sessions() as session:
        meetings = list(await session.scalars(select(CircleMeeting).order_by(CircleMeeting.id)))
        names = {member.id: member.display_name or "" for member in await session.scalars(select(Member))}
        members: dict[int, list[str]] = {}
        for group_id, member_id in await session.execute(
            select(CircleGroupMember.group_id, CircleGroupMember.member_id)
        ):
            members.setdefault(group_id, []).append(names[member_id])
    members = {group_id: sorted(found) for group_id, found in members.items()}
    recorded = sorted((members[m.group_id or 0], m.met, m.follow_up) for m in meetings)
    assert recorded == sorted([(bo_group, True, False), (other, None, False), (other, None, True)])

    report = flat(term.between("report", "stop"))
    assert "Active learning circles: 1" in report  # five people joined
    assert "Circle meetings held in 2026-12: not shown (fewer than 5 people)" in report
    assert "Learning circle #1 has stopped" in flat(term.between("stop"))
    assert "There is no learning circle yet" in flat(term.between("stop"))


async def test_hostile_circle_commands_get_clear_messages(app: App, clock: ManualClock) -> None:
    term = Terminal(app, clock)
    lines = [
        "hello",
        "circle start size 9",
        "circle start every 99 weeks",
        "circle start every",
        "circle start every 2 weeks size 3 size 4",
        "circle start #T #T",
        "circle join 0",
        "circle join 99999999999999999999999",
        "circle join 42",
        "circle leave",
        "circle stop 7",
        "circle avoid",
        "circle allow @Nobody",
        "circle start <#C1|x>",
        "circle start every 2 weeks size 3",
        "circle join",
        "circle join",  # twice is once
        "circle list",  # one member: the count goes through the k-anonymity rule
        "circle leave",
        "circle leave",
    ]
    out = flat(await term.run(lines))
    assert "something went wrong" not in out and "Traceback" not in out
    assert "Size 2, 3 or 4 must be a whole number from 2 to 4, not “9”." in out
    assert "Something is missing: every N weeks." in out and "Something is missing: @someone." in out
    for extra in ("4", "#T", "0", "99999999999999999999999"):
        assert f"I don't understand “{extra}” here." in out
    assert "Start the circle in #x itself" in out
    assert "I did not understand every 99 weeks" in out
    assert "There is no active learning circle #42." in out and "There is no active learning circle #7." in out
    assert "There is no learning circle in this channel" in out
    assert "Learning circle #1 started here: every 2 weeks, groups of 3" in out
    assert "#1: #T, every 2 weeks, groups of 3, fewer than 5 joined · you are in" in out
    assert out.count("You joined learning circle #1") == 2 and out.count("You left learning circle #1") == 2
    async with app.sessions() as session:
        from bot.circles.tables import CircleMember

        assert list(await session.scalars(select(CircleMember))) == []
