"""The learning log through Slack over signed HTTP: Danish and Swedish word forms, and the message shortcut."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.learning.tables import Learning
from tests.slack.conftest import SlackRig, payload


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


async def test_a_danish_entry_of_a_member_set_to_english_is_found_by_danish_word_forms(slack: SlackRig) -> None:
    slack.api.users["U111"] = {"locale": "en-US", "tz": "Europe/Copenhagen"}
    slack.api.users["U222"] = {"locale": "da-DK", "tz": "Europe/Copenhagen"}
    await slack.command("/learned", "Møder med kunder går bedre med en dagsorden")
    await slack.api.wait_for("response_url:r1")
    async with slack.app.sessions() as session:
        assert (await session.scalars(select(Learning))).one().language == "en"

    await slack.command("/learnbot", "søg møde", user_id="U222")
    danish = (await slack.api.wait_for("response_url:r1", 2))[-1]
    await slack.command("/learnbot", "learnings kunde")
    english = (await slack.api.wait_for("response_url:r1", 3))[-1]
    assert "Møder med kunder" in json.dumps(danish["blocks"], ensure_ascii=False)
    assert "Møder med kunder" in json.dumps(english["blocks"], ensure_ascii=False)


async def test_save_as_learning_keeps_a_link_to_the_original_message(slack: SlackRig) -> None:
    shortcut = payload("message_shortcut")
    shortcut["response_url"] = slack.api.response_url("s1")
    await slack.interact(shortcut)
    [opened] = await slack.api.wait_for("views.open")
    view = opened["view"]
    [field] = view["blocks"]
    submission = payload("view_submission")
    submission["view"].update(
        private_metadata=view["private_metadata"],
        state={
            "values": {
                field["block_id"]: {
                    field["element"]["action_id"]: {
                        "type": "plain_text_input",
                        "value": field["element"]["initial_value"],
                    }
                }
            }
        },
    )
    assert (await slack.interact(submission)).status == 200
    await slack.api.wait_for("chat.postEphemeral")
    async with slack.app.sessions() as session:
        learning = (await session.scalars(select(Learning))).one()
    assert learning.text == "Feature flags let us ship dark & test in prod #deploy"
    assert learning.source_url == "https://example.slack.com/archives/C111/p1700000050000050"
