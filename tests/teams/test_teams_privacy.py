"""Privacy through Teams activities: export me arrives in the 1:1 chat as a file attachment on the fake Bot
Connector."""

from __future__ import annotations

import base64
import json

from tests.privacy_support import dump
from tests.teams.conftest import Rig, until


async def test_export_me_is_a_file_attachment_in_the_personal_chat(rig: Rig) -> None:
    await rig.post(rig.activity("personal_message"))  # "learned Git bisect …"
    assert (await rig.post(rig.activity("personal_message", id="activity-2", text="export me"))).status == 201

    def files() -> list[dict[str, object]]:
        return [
            attachment
            for call in rig.connector.sends
            for attachment in call.body.get("attachments") or []
            if attachment.get("contentType") == "application/json"
        ]

    await until(lambda: bool(files()))
    [attachment] = files()
    [call] = [call for call in rig.connector.sends if attachment in (call.body.get("attachments") or [])]
    assert call.conversation == "a:1personal-anna"
    url = str(attachment["contentUrl"])
    assert url.startswith("data:application/json;base64,") and str(attachment["name"]).endswith(".json")
    document = json.loads(base64.b64decode(url.split(",", 1)[1]))
    assert document["member"]["display_name"] == "Anna Hansen"
    assert document["tables"]["learnings"][0]["text"].startswith("Git bisect")


async def test_forget_me_from_the_card_leaves_no_trace(rig: Rig) -> None:
    await rig.post(rig.activity("personal_message", locale="en-US"))
    await rig.post(rig.activity("personal_message", id="activity-2", text="forget me", locale="en-US"))
    card = rig.connector.sends[-1].body["attachments"][0]["content"]
    actions = [action for element in card["body"] for action in element.get("actions", [])]
    erase = next(action for action in actions if "erase" in action["title"])
    submit = rig.activity("card_submit", value=erase["data"], replyToId="activity-2")
    assert (await rig.post(submit)).status == 201
    await until(lambda: bool(rig.connector.updates))
    assert "everything about you is erased" in str(rig.connector.updates[-1].body)
    tables = await dump(rig.app)
    text = json.dumps(tables, default=str)
    for trace in ("29:1anna", "Anna Hansen", "aad-anna", "a:1personal-anna", "Git bisect"):
        assert trace not in text, trace
