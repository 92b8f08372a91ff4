"""Slack rosters over signed HTTP: a "DM each member" nudge reaches the channel's whole roster, kept current by
member_joined_channel / member_left_channel; user_change refreshes a member's profile."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from adapters.slack import roster
from adapters.slack.platform import BACKLOG_KEY
from bot.clock import ManualClock
from bot.db.models import Member
from tests.slack.conftest import SlackRig

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MONDAY_0900_CPH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
_EVENT_IDS = itertools.count(1)


def envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "verification-token",
        "team_id": "T1",
        "api_app_id": "A111",
        "event": event,
        "type": "event_callback",
        "event_id": f"EvROSTER{next(_EVENT_IDS)}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}],
    }


def membership_event(kind: str, user: str, channel: str = "C111") -> dict[str, Any]:
    return envelope({"type": kind, "user": user, "channel": channel, "channel_type": "C", "team": "T1"})


async def settle(rig: SlackRig) -> None:
    """Wait until every acked request's work is done (it runs after the HTTP 200)."""
    assert rig.client.server is not None
    await rig.client.server.app[BACKLOG_KEY].drain()


async def dm_tick(rig: SlackRig, clock: ManualClock, at: datetime) -> set[str]:
    """Run the nudge engine at `at`; the DM channels that got a prompt."""
    before = len(rig.api.of("chat.postMessage"))
    clock.set(at)
    await rig.app.conversations.tick()
    return {call["channel"] for call in rig.api.of("chat.postMessage")[before:]}


async def test_dm_each_member_reaches_every_roster_member_including_the_silent(
    slack: SlackRig, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roster, "PAGE_SIZE", 2)  # 5 members: three pages
    slack.api.channel_members["C111"] = ["U111", "UBOT", "U222", "U333", "U444"]
    clock.set(MONDAY_0600)
    assert (await slack.event(membership_event("member_joined_channel", "UBOT"))).status == 200  # invited
    pages = await slack.api.wait_for("conversations.members", 3)
    await settle(slack)
    assert [page.get("cursor") for page in pages] == [None, "2", "4"]
    assert all(page["channel"] == "C111" and page["limit"] == "2" for page in pages)

    # Only U111 ever writes: the nudge is added in the channel.
    await slack.command("/learnbot", "nudge add weekdays 09:00 dm")
    await slack.api.wait_for("chat.postMessage")  # the channel sees its new nudge
    await settle(slack)
    assert len(slack.api.of("conversations.members")) == 3  # known roster: not read again

    assert await dm_tick(slack, clock, MONDAY_0900_CPH) == {"D111", "D222", "D333", "D444"}
    assert {call["users"] for call in slack.api.of("conversations.open")} == {"U111", "U222", "U333", "U444"}

    # U444 leaves, U555 (who never wrote either) joins: Tuesday's prompt follows the roster.
    await slack.event(membership_event("member_left_channel", "U444"))
    await slack.event(membership_event("member_joined_channel", "U555"))
    await settle(slack)
    assert await dm_tick(slack, clock, MONDAY_0900_CPH + timedelta(days=1)) == {"D111", "D222", "D333", "D555"}


async def test_a_channel_learnbot_was_already_in_is_read_at_its_first_request(
    slack: SlackRig, clock: ManualClock
) -> None:
    slack.api.channel_members["C111"] = ["U111", "U222", "UBOT"]
    clock.set(MONDAY_0600)
    await slack.command("/learnbot", "nudge add weekdays 09:00 dm")
    await slack.api.wait_for("conversations.members")
    await slack.command("/learnbot", "nudge list")
    await slack.api.wait_for("response_url:r1")
    await settle(slack)
    assert len(slack.api.of("conversations.members")) == 1  # once per channel
    assert await dm_tick(slack, clock, MONDAY_0900_CPH) == {"D111", "D222"}


async def test_learnbot_removed_from_a_channel_forgets_its_roster(slack: SlackRig, clock: ManualClock) -> None:
    slack.api.channel_members["C111"] = ["U111", "U222", "UBOT"]
    clock.set(MONDAY_0600)
    await slack.command("/learnbot", "nudge add weekdays 09:00 dm")
    await slack.api.wait_for("conversations.members")
    await settle(slack)
    await slack.event(membership_event("member_left_channel", "UBOT"))
    await settle(slack)
    assert await dm_tick(slack, clock, MONDAY_0900_CPH) == set()


async def test_user_change_refreshes_admin_flag_and_time_zone(slack: SlackRig) -> None:
    slack.api.users["U111"] = {"tz": "Europe/Copenhagen", "is_admin": False}
    await slack.command("/learned", "first contact")
    await slack.api.wait_for("response_url:r1")
    await settle(slack)
    change = {
        "id": "U111",
        "team_id": "T1",
        "name": "anna",
        "tz": "America/New_York",
        "is_admin": True,
        "profile": {"display_name": "Anna B", "real_name": "Anna Berg"},
    }
    await slack.event(envelope({"type": "user_change", "user": change}))
    # Someone learnbot never met changes too: ignored, not created.
    await slack.event(envelope({"type": "user_change", "user": {**change, "id": "U999"}}))
    await settle(slack)
    async with slack.app.sessions() as session:
        members = (await session.scalars(select(Member))).all()
    # A Slack workspace admin is a learnbot admin (roles from the platform follow it, demotion included).
    assert [(m.platform_user_id, m.role, m.timezone, m.display_name) for m in members] == [
        ("U111", "admin", "America/New_York", "Anna B")
    ]
    await slack.event(envelope({"type": "user_change", "user": {**change, "is_admin": False}}))
    await settle(slack)
    async with slack.app.sessions() as session:
        members = (await session.scalars(select(Member))).all()
    assert [(m.platform_user_id, m.role) for m in members] == [("U111", "member")]
