"""Roles and nudge ownership over Teams activities with mention entities and the fake Bot Connector."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db.models import Member
from tests.teams.conftest import Rig

BOT = {"mentioned": {"id": "28:learnbot-app", "name": "learnbot"}, "text": "<at>learnbot</at>", "type": "mention"}
ANNA = {"id": "29:1anna", "name": "Anna Hansen", "aadObjectId": "aad-anna"}
BO = {"id": "29:1bo", "name": "Bo Berg", "aadObjectId": "aad-bo"}


async def said(rig: Rig, person: dict[str, str], text: str, *mentions: dict[str, Any]) -> str:
    """`@learnbot text` in the team's General channel as `person`; returns the bot's answer."""
    before = len(rig.connector.sends)
    activity = rig.activity("channel_mention", text=f"<at>learnbot</at> {text}", entities=[BOT, *mentions])
    activity["from"] = person
    assert (await rig.post(activity)).status == 201
    return " ".join(" ".join(rig.connector.texts()[before:]).split())


async def test_anna_grants_bo_manager_by_mention_and_then_bo_may_remove_the_channel_nudge(rig: Rig) -> None:
    assert (await rig.post(rig.activity("team_install"))).status == 201  # Anna installs: she is admin
    await rig.turns.drain()
    await said(rig, ANNA, "language en")
    assert "Nudge 1 added" in await said(rig, ANNA, "nudge add daily 09:00 me")
    assert "Nudge 2 added" in await said(rig, ANNA, "nudge add weekdays 10:00")
    listed = await said(rig, BO, "nudge list")
    assert "#2" in listed and "#1" not in listed
    refused = await said(rig, BO, "nudge remove 2")
    assert "only Anna Hansen, who added it, managers and admins can change it" in refused
    bo = {"mentioned": {"id": "29:1bo", "name": "Bo Berg"}, "text": "<at>Bo Berg</at>", "type": "mention"}
    assert "Bo Berg is now manager." in await said(rig, ANNA, "role grant <at>Bo Berg</at> manager", bo)
    assert "Nudge 2 removed." in await said(rig, BO, "nudge remove 2")
    async with rig.app.sessions() as session:
        roles = {m.platform_user_id: m.role for m in await session.scalars(select(Member)) if m.role != "member"}
    assert roles == {"29:1anna": "admin", "29:1bo": "manager"}


async def test_a_failing_connector_is_reported_with_a_reference_code(rig: Rig, caplog: Any) -> None:
    import logging

    rig.connector.failures["send"] = [500]
    with caplog.at_level(logging.ERROR, logger="learnbot.errors"):
        response = await rig.post(rig.activity("personal_message", text="help"))
    body = await response.json()
    assert response.status == 502 and any(body["reference"] in record.getMessage() for record in caplog.records)
