"""A learning circle whose members sit in two teams and three time zones, in the terminal on a ManualClock: the
matching pairs across teams (each member's team is the channel where learnbot runs something for them) and says
so, and each member gets the announcement and "did you meet?" at their own local hour on the same date."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from adapters.app import App
from adapters.console.adapter import PLATFORM
from adapters.console.chat import TEAM_ID, local_user
from bot.circles.tables import CircleGroup, CircleGroupMember
from bot.clock import ManualClock
from bot.db.models import Member
from bot.model import ConversationKind, ConversationRef, InboundMessage
from tests.mentoring.terminal import Step, Terminal

TEAMS = {"payments": ("Anna", "Bo"), "sales": ("Carl", "Dan")}


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def team_channels(app: App) -> Step:
    """Two team channels, each with a nudge its own member added: what makes them teams."""

    async def step() -> None:
        for name, members in TEAMS.items():
            where = ConversationRef(PLATFORM, TEAM_ID, name, ConversationKind.CHANNEL, name=name)
            await app.membership.record_members(where, [local_user(member) for member in members])
            replies = await app.bot.handle_message(
                InboundMessage(local_user(members[1]), where, "nudge add weekdays 09:00")
            )
            assert any("09:00" in reply.text for reply in replies), replies

    return step


async def test_a_circle_pairs_across_teams_and_asks_everyone_at_their_own_hour(app: App, clock: ManualClock) -> None:
    clock.set(utc(23, 7))  # Monday 23 November 2026
    term = Terminal(app, clock)
    steps: list[Step] = ["hello", "circle start #T every 2 weeks size 2", "circle join"]
    for name, zone in (("Bo", "America/New_York"), ("Carl", "Asia/Tokyo"), ("Dan", None)):
        steps += [f":as {name}", "circle join"] + ([f"timezone {zone}"] if zone else [])
    steps += [
        team_channels(app),
        term.at(utc(24, 8), "draw"),  # Tuesday 09:00 in Copenhagen: 17:00 in Tokyo, 03:00 in New York
        term.at(utc(24, 8, 1), "drawn"),
        term.at(utc(24, 14), "new_york_morning"),  # 09:00 in New York
        term.at(utc(24, 14, 1), "announced"),
        term.at(utc(4, 1, 0, month=12), "tokyo_checkin"),  # Friday 4 December, 10:00 in Tokyo
        term.at(utc(4, 9, 0, month=12), "copenhagen_checkin"),
        term.at(utc(4, 15, 0, month=12), "new_york_checkin"),
        term.at(utc(4, 15, 1, month=12), "end"),
    ]
    await term.run(steps)

    def announced(start: str, end: str) -> list[str]:
        return sorted(where for where, text in term.sent_between(start, end) if text.startswith("Your learning circle"))

    # Tokyo's 09:00 that Tuesday has passed by the draw: its member hears at once, New York at its own 09:00.
    assert announced("draw", "new_york_morning") == ["dm-anna", "dm-carl", "dm-dan"]
    assert announced("new_york_morning", "announced") == ["dm-bo"]
    async with app.sessions() as session:
        names = {member.id: member.display_name for member in await session.scalars(select(Member))}
        groups = list(await session.scalars(select(CircleGroup)))
        members: dict[int, list[str]] = {}
        for group_id, member_id in await session.execute(
            select(CircleGroupMember.group_id, CircleGroupMember.member_id)
        ):
            members.setdefault(group_id, []).append(names[member_id] or "")
    team_of = {member: team for team, people in TEAMS.items() for member in people}
    assert len(groups) == 2
    for group in groups:
        assert {team_of[name] for name in members[group.id]} == {"payments", "sales"}
        assert ["cross_team", {"teams": "#payments, #sales"}] in group.reasons
    # The terminal shows Anna's announcement (the others' DMs wait for them).
    assert "You work in different teams (#payments, #sales)." in " ".join(term.between("draw", "drawn").split())

    def checked_in(start: str, end: str) -> list[str]:
        return sorted(where for where, text in term.sent_between(start, end) if "meet?" in text)

    assert checked_in("announced", "tokyo_checkin") == []
    assert checked_in("tokyo_checkin", "copenhagen_checkin") == ["dm-carl"]
    assert checked_in("copenhagen_checkin", "new_york_checkin") == ["dm-anna", "dm-dan"]
    assert checked_in("new_york_checkin", "end") == ["dm-bo"]
