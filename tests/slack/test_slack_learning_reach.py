"""The learning log's reach through Slack over signed HTTP: private entries, search by @member and #tag, similar
learnings on logging, edit, delete and what a member applied."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.learning.tables import Learning
from tests.slack.conftest import SlackRig


def _shown(reply: dict[str, Any]) -> str:
    return json.dumps(reply.get("blocks", []), ensure_ascii=False) + reply.get("text", "")


async def _run(slack: SlackRig, count: int, command: str, text: str, user_id: str = "U111") -> str:
    await slack.command(command, text, user_id=user_id)
    return _shown((await slack.api.wait_for("response_url:r1", count))[-1])


async def test_private_search_related_edit_delete_and_applied_over_slack(slack: SlackRig) -> None:
    shared = await _run(slack, 1, "/learned", "Feature flags decouple deploys from releases #flags", "U222")
    assert "Saved" in shared
    private = await _run(slack, 2, "/learned", "--private Feature flags scare me before releases", "U222")
    assert "only you can see it" in private
    logged = await _run(slack, 3, "/learned", "Feature flags let releases happen any day")
    assert "learned something similar today" in logged and "decouple deploys" in logged
    assert "scare me" not in logged

    by_member = await _run(slack, 4, "/learnbot", "learnings flags <@U222>")
    assert "decouple deploys" in by_member and "let releases happen" not in by_member and "scare me" not in by_member
    tagged = await _run(slack, 5, "/learnbot", "learnings #flags")
    assert "decouple deploys" in tagged and "#flags" in tagged
    async with slack.app.sessions() as session:
        ids = {
            text.split()[2]: learning_id
            for learning_id, text in await session.execute(select(Learning.id, Learning.text))
        }
    related = await _run(slack, 6, "/learnbot", f"learnings related {ids['decouple']}")
    assert "let releases happen" in related and "scare me" not in related
    edited = await _run(slack, 7, "/learnbot", f"learnings edit {ids['let']} Feature toggles let releases happen")
    assert f"{ids['let']}" in edited
    found = await _run(slack, 8, "/learnbot", "learnings toggles", "U222")
    assert "Feature toggles let releases happen" in found
    refused = await _run(slack, 9, "/learnbot", f"learnings delete {ids['let']}", "U222")
    assert "no entry" in refused.casefold()
    deleted = await _run(slack, 10, "/learnbot", f"learnings delete {ids['let']}")
    assert "deleted" in deleted
    applied = await _run(slack, 11, "/learnbot", "learnings applied")
    assert "0 of 0 learnings" in applied
    own = await _run(slack, 12, "/learnbot", "learnings", "U222")
    assert "scare me" in own and "🔒" in own
