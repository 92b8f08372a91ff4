"""A mentor pair over Teams activities: made by mention in the channel, both get the check-in card in their 1:1
chat at 10:00, Bo opens the form card from it, submits it, and the answers are stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.conversations.tables import Response
from tests.teams.conftest import Rig
from tests.teams.test_teams_roles import ANNA, BO, said

ANNA_MENTION = {
    "mentioned": {"id": "29:1anna", "name": "Anna Hansen"},
    "text": "<at>Anna Hansen</at>",
    "type": "mention",
}
BO_MENTION = {"mentioned": {"id": "29:1bo", "name": "Bo Berg"}, "text": "<at>Bo Berg</at>", "type": "mention"}


def _submits(body: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)
    return found


async def test_a_mentor_pair_checks_in_over_teams(rig: Rig) -> None:
    assert (await rig.post(rig.activity("team_install"))).status == 201  # Anna installs: she is admin
    await rig.turns.drain()
    await said(rig, ANNA, "language en")
    paired = await said(rig, ANNA, "mentor pair <at>Anna Hansen</at> <at>Bo Berg</at> weekly", ANNA_MENTION, BO_MENTION)
    assert "Mentor pair #1: Anna Hansen mentors Bo Berg" in paired

    clock = rig.app.clock
    assert isinstance(clock, ManualClock)
    before = len(rig.connector.sends)
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # Monday 10:00 in Copenhagen
    await rig.app.conversations.tick()
    checkins = rig.connector.sends[before:]
    assert sorted(send.conversation for send in checkins) == ["a:direct-29:1anna", "a:direct-29:1bo"]
    assert all("Mentor check-in (pair #1)" in str(send.body) for send in checkins)

    [bo_card] = [send for send in checkins if send.conversation == "a:direct-29:1bo"]
    [open_form] = _submits(bo_card.body)
    bo_chat = {"conversationType": "personal", "tenantId": "tenant-contoso", "id": "a:direct-29:1bo"}
    before = len(rig.connector.sends)
    pressed = rig.activity("card_submit", value=open_form, conversation=bo_chat, replyToId="activity-bo")
    pressed["from"] = BO
    assert (await rig.post(pressed)).status == 201
    form_card = rig.connector.sends[before].body
    assert "Did you meet?" in str(form_card)
    [submit] = _submits(form_card)
    values = {"met": "yes", "talked": "Code review", "learned": "Small pull requests get reviewed faster"}
    answered = rig.activity("card_submit", value={**submit, **values}, conversation=bo_chat)
    answered["from"] = BO
    assert (await rig.post(answered)).status == 201
    async with rig.app.sessions() as session:
        assert (await session.scalars(select(Response.answers))).all() == [values]
    assert "Check-in saved" in " ".join(rig.connector.texts())
