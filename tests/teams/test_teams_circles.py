"""A learning circle over Teams activities: started by mention in the General channel, three members join, the
round is drawn at 09:00 Copenhagen time announced in the channel and the group's announcement card in
each member's 1:1 chat, and the check-in card's "Yes, we met" answers in one press."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.circles.tables import CircleGroupMember, CircleMeeting
from bot.clock import ManualClock
from bot.conversations.kinds import CHOOSE_ACTION
from bot.conversations.tables import Response
from tests.teams.conftest import Rig
from tests.teams.test_teams_mentoring import _submits
from tests.teams.test_teams_roles import ANNA, BO, said

CARL = {"id": "29:1carl", "name": "Carl Svensson", "aadObjectId": "aad-carl"}


async def test_a_learning_circle_over_teams(rig: Rig) -> None:
    assert (await rig.post(rig.activity("team_install"))).status == 201  # Anna installs: she is admin
    await rig.turns.drain()
    await said(rig, ANNA, "language en")
    started = await said(rig, ANNA, "circle start every 2 weeks size 3")
    assert "Learning circle #1 started here: every 2 weeks, groups of 3" in started
    for person in (ANNA, BO, CARL):
        assert "You joined learning circle #1" in await said(rig, person, "circle join")

    clock = rig.app.clock
    assert isinstance(clock, ManualClock)
    before = len(rig.connector.sends)
    for minute in (0, 1):
        clock.set(datetime(2026, 11, 24, 8, minute, tzinfo=UTC))  # Tuesday 09:00 in Copenhagen
        await rig.app.conversations.tick()
    sends = rig.connector.sends[before:]
    drawn = [send for send in sends if "groups are drawn" in str(send.body)]
    assert len(drawn) == 1 and "Learning circle #1: this round's groups are drawn." in str(drawn[0].body)
    announced = sorted(send.conversation for send in sends if "Your learning circle group" in str(send.body))
    assert announced == ["a:direct-29:1anna", "a:direct-29:1bo", "a:direct-29:1carl"]
    assert "You have not been matched before." in str(sends)

    before = len(rig.connector.sends)
    clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))  # ten days later at 10:00, before the next round
    await rig.app.conversations.tick()
    checkins = [send for send in rig.connector.sends[before:] if "meet?" in str(send.body)]
    assert len(checkins) == 3
    [bo_card] = [send for send in checkins if send.conversation == "a:direct-29:1bo"]
    [yes] = [data for data in _submits(bo_card.body) if str(data).find(":met:yes") >= 0]
    assert CHOOSE_ACTION in str(yes)
    bo_chat = {"conversationType": "personal", "tenantId": "tenant-contoso", "id": "a:direct-29:1bo"}
    pressed = rig.activity("card_submit", value=yes, conversation=bo_chat, replyToId="activity-bo")
    pressed["from"] = BO
    assert (await rig.post(pressed)).status == 201
    async with rig.app.sessions() as session:
        assert (await session.scalars(select(Response.answers))).all() == [{"met": "yes"}]
        assert len((await session.scalars(select(CircleGroupMember))).all()) == 3

    clock.set(datetime(2026, 12, 6, 9, 1, tzinfo=UTC))
    await rig.app.conversations.tick()
    async with rig.app.sessions() as session:
        [meeting] = (await session.scalars(select(CircleMeeting))).all()
    assert (meeting.met, meeting.answered, meeting.follow_up) == (True, 1, False)
