"""Installs record the roster and a 1:1 reference for every member; proactive sends reach everyone, even
through a 429 storm."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from adapters.teams.translate import conversation_ref
from bot.db.models import Conversation, Member
from bot.model import ConversationKind, ConversationRef, OutboundMessage, UserRef
from bot.ports import DeliveryError, RateLimited
from tests.teams.conftest import ROSTER, TEAM, TENANT, Rig, until


async def _install(rig: Rig) -> None:
    assert (await rig.post(rig.activity("team_install"))).status == 201
    await rig.turns.drain()


async def test_team_install_welcomes_and_stores_a_reference_for_every_roster_member(rig: Rig) -> None:
    await _install(rig)
    [welcome] = rig.connector.sends
    assert welcome.conversation == TEAM
    assert "Hej, team! Jeg er learnbot" in rig.connector.texts()[0]  # the installer's locale is da-DK
    # Every roster member got a 1:1 chat, created once, with the tenant set.
    assert sorted(body["members"][0]["id"] for body in rig.connector.created) == sorted(m["id"] for m in ROSTER)
    assert all(body["channelData"]["tenant"]["id"] == TENANT for body in rig.connector.created)
    members = await rig.app.membership.members(_team_ref(rig))
    assert sorted(member.id for member in members) == sorted(m["id"] for m in ROSTER)
    for member in members:
        direct = await rig.app.membership.direct_conversation(member)
        assert direct is not None and direct.kind is ConversationKind.DIRECT
        assert direct.raw["serviceUrl"] == rig.service_url
        assert direct.raw["conversation"]["id"] == f"a:direct-{member.id}"
    async with rig.app.sessions() as session:
        installer = await session.scalar(select(Member).where(Member.platform_user_id == "29:1anna"))
        assert installer is not None and installer.role == "admin"
        team = await session.scalar(select(Conversation).where(Conversation.platform_conversation_id == TEAM))
        assert team is not None and team.reference["serviceUrl"] == rig.service_url


def _team_ref(rig: Rig) -> ConversationRef:
    return conversation_ref(rig.activity("team_install"))


async def test_roster_is_read_page_by_page(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("adapters.teams.turns.ROSTER_PAGE_SIZE", 2)
    await _install(rig)
    assert len(await rig.app.membership.members(_team_ref(rig))) == len(ROSTER)


async def test_members_added_and_removed_later_are_tracked(rig: Rig) -> None:
    await _install(rig)
    await rig.post(rig.activity("members_added"))
    await rig.post(rig.activity("members_removed"))
    await rig.turns.drain()
    ids = {member.id for member in await rig.app.membership.members(_team_ref(rig))}
    assert "29:1dora" in ids and "29:1bo" not in ids
    assert any(body["members"][0]["id"] == "29:1dora" for body in rig.connector.created)


async def test_personal_install_welcomes_in_the_members_language_and_stores_the_chat(rig: Rig) -> None:
    assert (await rig.post(rig.activity("personal_install"))).status == 201
    assert "Hej! Jag är learnbot" in rig.connector.texts("a:1personal-carl")[0]
    direct = await rig.app.membership.direct_conversation(UserRef("teams", TENANT, "29:1carl"))
    assert direct is not None and direct.id == "a:1personal-carl"
    assert rig.connector.created == []  # the chat exists already; nothing to create


async def _nudge_everyone(rig: Rig) -> list[str]:
    """What the nudge engine will do: every member of the team, 1:1, through the Notifier port."""
    members = await rig.app.membership.members(_team_ref(rig))

    async def nudge(member: UserRef) -> str:
        direct = await rig.app.membership.reach(member)
        sent = await rig.app.notifier.send(direct, OutboundMessage.plain(f"Time to reflect, {member.name}"))
        return sent.id

    return list(await asyncio.gather(*(nudge(member) for member in members)))


async def test_a_proactive_message_reaches_every_member_one_to_one(rig: Rig) -> None:
    await _install(rig)
    before = len(rig.connector.sends)
    ids = await _nudge_everyone(rig)
    sends = rig.connector.sends[before:]
    assert all(ids) and len(sends) == len(ROSTER)
    assert sorted(call.conversation for call in sends) == sorted(f"a:direct-{m['id']}" for m in ROSTER)
    assert all(call.activity_id is None for call in sends)  # new messages, not replies
    for member in ROSTER:
        assert any(
            f"Time to reflect, {member['name']}" in text for text in rig.connector.texts(f"a:direct-{member['id']}")
        )


async def test_a_429_storm_delays_but_loses_nothing(rig: Rig) -> None:
    await _install(rig)
    before = len(rig.connector.sends)
    rig.connector.failures["send"] = [429] * 8 + [503, 502, 504, 412]
    await _nudge_everyone(rig)
    sends = rig.connector.sends[before:]
    assert sorted(call.conversation for call in sends) == sorted(f"a:direct-{m['id']}" for m in ROSTER)
    assert len(rig.connector.failed) == 12
    assert len([delay for delay in rig.sleeps if delay >= 0.5]) >= 12  # each failure was followed by a backoff


async def test_when_teams_keeps_refusing_the_caller_is_told(rig: Rig) -> None:
    await _install(rig)
    rig.connector.failures["send"] = [429] * 50
    [member, *_] = await rig.app.membership.members(_team_ref(rig))
    direct = await rig.app.membership.reach(member)
    with pytest.raises(RateLimited) as raised:
        await rig.app.notifier.send(direct, OutboundMessage.plain("hello"))
    assert raised.value.retry_after > 0
    assert len(rig.connector.failed) == 5  # RetryPolicy(attempts=5) in the rig


async def test_a_removed_bot_is_a_permanent_failure(rig: Rig) -> None:
    await _install(rig)
    rig.connector.failures["send"] = [403]
    [member, *_] = await rig.app.membership.members(_team_ref(rig))
    direct = await rig.app.membership.reach(member)
    with pytest.raises(DeliveryError) as raised:
        await rig.app.notifier.send(direct, OutboundMessage.plain("hello"))
    assert raised.value.permanent


async def test_update_through_the_port_edits_the_message(rig: Rig) -> None:
    await _install(rig)
    [member, *_] = await rig.app.membership.members(_team_ref(rig))
    direct = await rig.app.membership.reach(member)
    sent = await rig.app.notifier.send(direct, OutboundMessage.plain("first"))
    await rig.app.notifier.update(sent, OutboundMessage.plain("second"))
    await until(lambda: len(rig.connector.updates) == 1)
    assert rig.connector.updates[0].activity_id == sent.id
    assert "second" in str(rig.connector.updates[0].body)


async def test_a_channel_nudge_reaches_every_roster_member_one_to_one(rig: Rig) -> None:
    """The whole loop: install records the roster, a manager schedules DMs, the engine's tick reaches everyone
    through the 1:1 chats stored at install (no second create_conversation)."""
    from datetime import UTC, datetime

    from bot.clock import ManualClock

    await _install(rig)
    created = len(rig.connector.created)
    anna = {"id": "29:1anna", "name": "Anna Hansen", "aadObjectId": "aad-anna"}
    command = rig.activity("channel_mention", text="<at>learnbot</at> nudge add weekdays 09:00 dm", **{"from": anna})
    assert (await rig.post(command)).status == 201
    assert "nudge" in rig.connector.texts()[-1].casefold()
    sends_before = len(rig.connector.sends)
    clock = rig.app.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # Tuesday 09:00 in Copenhagen
    report = await rig.app.conversations.tick()
    assert report.rounds == 1
    prompts = rig.connector.sends[sends_before:]
    assert sorted(send.conversation for send in prompts) == sorted(f"a:direct-{m['id']}" for m in ROSTER)
    assert len(rig.connector.created) == created
    assert all(
        "Hvad har vi lært siden sidst?" in str(send.body) or "learned since" in str(send.body) for send in prompts
    )
