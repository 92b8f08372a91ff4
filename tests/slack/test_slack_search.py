"""Danish and Swedish word forms in learning-log search, driven through Slack over signed HTTP."""

from __future__ import annotations

import json

from tests.slack.conftest import SlackRig


async def test_danish_and_swedish_members_find_other_word_forms(slack: SlackRig) -> None:
    slack.api.users["U111"] = {"locale": "da-DK", "tz": "Europe/Copenhagen"}
    slack.api.users["U222"] = {"locale": "sv-SE", "tz": "Europe/Stockholm"}
    await slack.command("/learned", "Vi holdt tre korte møder om planen")
    await slack.api.wait_for("response_url:r1")
    await slack.command("/learned", "Ett kort möte räckte för beslutet", user_id="U222")
    await slack.api.wait_for("response_url:r1", 2)

    await slack.command("/learnbot", "søg møde")
    danish = (await slack.api.wait_for("response_url:r1", 3))[-1]
    await slack.command("/learnbot", "sök mötet", user_id="U222")
    swedish = (await slack.api.wait_for("response_url:r1", 4))[-1]
    assert danish["response_type"] == swedish["response_type"] == "ephemeral"
    assert "tre korte møder" in json.dumps(danish["blocks"], ensure_ascii=False)
    assert "Ett kort möte" in json.dumps(swedish["blocks"], ensure_ascii=False)
    assert "Ett kort möte" not in json.dumps(danish["blocks"], ensure_ascii=False)
