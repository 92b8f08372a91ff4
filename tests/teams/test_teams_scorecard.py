"""The scorecard's chart on Teams: inline in an Adaptive Card (an Image with a data: URI) that Microsoft's parser
accepts, within Teams' card size."""

from __future__ import annotations

import base64
import json

from sqlalchemy import select

from adapters.teams.cards import MAX_CARD_BYTES, image_activity
from bot.db.models import Conversation, Member
from tests.scorecard.platform_support import assert_chart, seed_behind
from tests.teams.conftest import Rig, until
from tests.teams.test_cards import _validate


async def test_teams_chart_is_inline_in_a_valid_adaptive_card(rig: Rig) -> None:
    await rig.post(rig.activity("channel_mention"))
    async with rig.app.sessions() as session:
        member = await session.scalar(select(Member).order_by(Member.id))
        channel = await session.scalar(select(Conversation).where(Conversation.kind == "channel"))
        assert member is not None and channel is not None
        who, where = member.platform_user_id, channel.platform_conversation_id
    await seed_behind(rig.app, who, where)
    sent = len(rig.connector.sends)
    answer = await rig.post(rig.activity("channel_mention", id="activity-9", text="<at>learnbot</at> scorecard"))
    assert answer.status == 201

    def images() -> list[dict[str, object]]:
        return [
            element
            for call in rig.connector.sends[sent:]
            for attachment in call.body.get("attachments") or []
            for element in (attachment.get("content") or {}).get("body", [])
            if isinstance(element, dict) and element.get("type") == "Image"
        ]

    await until(lambda: bool(images()), within=30)
    [image] = images()
    url = str(image["url"])
    assert url.startswith("data:image/png;base64,")
    assert_chart(base64.b64decode(url.split(",", 1)[1]))
    [card_call] = [
        call
        for call in rig.connector.sends[sent:]
        if any(image in (a.get("content") or {}).get("body", []) for a in call.body.get("attachments") or [])
    ]
    card = card_call.body["attachments"][0]["content"]
    assert len(json.dumps(card).encode()) <= MAX_CARD_BYTES
    [report] = _validate([card])
    assert report["problems"] == [] and report["rendered"], report


def test_a_picture_too_large_for_a_card_is_refused_not_cut() -> None:
    assert image_activity("big", "image/png", b"x" * MAX_CARD_BYTES) is None
