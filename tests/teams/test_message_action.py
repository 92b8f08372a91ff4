"""The Teams message action: "…" on a message → Save as learning, as captured invokes posted to /api/messages."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from adapters.teams.translate import DATA_KEY, SUBMIT_ACTION
from bot.learning.tables import Learning
from tests.teams.conftest import Rig
from tests.teams.test_cards import _validate

MESSAGE_TEXT = "Feature flags let us ship dark & test in prod #deploy\nRoll back with one switch."


def _submit(fetch: dict[str, Any], card: dict[str, Any], **inputs: str) -> dict[str, Any]:
    """What Teams posts when the dialog's card is submitted: the submit action's data merged with the inputs."""
    submit = copy.deepcopy(fetch)
    submit["name"] = SUBMIT_ACTION
    submit["id"] = "f:submit-action-1"
    action = next(element for element in card["body"] if element["type"] == "ActionSet")["actions"][0]
    submit["value"]["data"] = {**action["data"], **inputs}
    return submit


async def test_fetch_task_opens_a_prefilled_form_and_submit_stores_it_with_a_link(rig: Rig) -> None:
    fetch = rig.activity("message_action_fetch")
    response = await rig.post(fetch)
    assert response.status == 200
    task = (await response.json())["task"]
    assert task["type"] == "continue" and task["value"]["title"] == "Log a learning"
    attachment = task["value"]["card"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    [field] = [element for element in card["body"] if element["type"] == "Input.Text"]
    assert field["value"] == MESSAGE_TEXT
    link = fetch["value"]["messagePayload"]["linkToMessage"]
    action = next(element for element in card["body"] if element["type"] == "ActionSet")["actions"][0]
    assert action["type"] == "Action.Submit" and action["data"][DATA_KEY]["value"] == link
    [checked] = _validate([card])
    assert checked["problems"] == [] and checked["rendered"]

    submitted = await rig.post(_submit(fetch, card, **{field["id"]: MESSAGE_TEXT + " #flags"}))
    assert submitted.status == 200
    answer = (await submitted.json())["task"]
    assert answer["type"] == "message" and "Saved to the learning log with #deploy #flags" in answer["value"]
    async with rig.app.sessions() as session:
        learning = (await session.scalars(select(Learning))).one()
    assert learning.text == MESSAGE_TEXT + " #flags"
    assert learning.source_url == link
    assert learning.author.display_name == "Anna Hansen"
    # The dialog answers; nothing is posted into the channel the message came from.
    assert rig.connector.sends == [] and rig.connector.updates == []


async def test_an_empty_submission_is_explained_in_the_dialog_and_stores_nothing(rig: Rig) -> None:
    fetch = rig.activity("message_action_fetch")
    card = (await (await rig.post(fetch)).json())["task"]["value"]["card"]["content"]
    field = next(element for element in card["body"] if element["type"] == "Input.Text")
    response = await rig.post(_submit(fetch, card, **{field["id"]: "   "}))
    assert response.status == 200
    assert "Tell me what you learned" in (await response.json())["task"]["value"]
    async with rig.app.sessions() as session:
        assert list(await session.scalars(select(Learning))) == []


async def test_a_forged_link_is_not_stored_and_unknown_commands_get_400(rig: Rig) -> None:
    fetch = rig.activity("message_action_fetch")
    card = (await (await rig.post(fetch)).json())["task"]["value"]["card"]["content"]
    field = next(element for element in card["body"] if element["type"] == "Input.Text")
    forged = _submit(fetch, card, **{field["id"]: "A note"})
    forged["value"]["data"][DATA_KEY]["value"] = "javascript:alert(1)"
    assert (await rig.post(forged)).status == 200
    async with rig.app.sessions() as session:
        learning = (await session.scalars(select(Learning))).one()
    assert learning.text == "A note" and learning.source_url is None

    unknown = rig.activity("message_action_fetch")
    unknown["value"]["commandId"] = "somethingElse"
    response = await rig.post(unknown)
    assert response.status == 400
    assert "unknown message action" in (await response.json())["error"]


def test_the_app_package_declares_the_message_action(tmp_path: Any) -> None:
    import json
    import zipfile

    from adapters.cli import main

    output = tmp_path / "learnbot.zip"
    app_id = "00000000-1111-2222-3333-444444444444"
    assert main(["teams-package", "--app-id", app_id, "--host", "learnbot.example.com", "--output", str(output)]) == 0
    with zipfile.ZipFile(output) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    [extension] = manifest["composeExtensions"]
    assert extension["botId"] == app_id
    [command] = extension["commands"]
    assert command == {
        "id": "saveAsLearning",
        "type": "action",
        "title": "Save as learning",
        "description": "Save this message to the learning log",
        "context": ["message"],
        "fetchTask": True,
    }
