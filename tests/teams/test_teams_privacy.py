"""Privacy through Teams activities: export me arrives in the 1:1 chat on a file-consent card; accepted, the file
goes to the upload URL Teams gives (a fake OneDrive upload session on loopback) and a file-info card follows;
declined, nothing is uploaded."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.teams.files import CONSENT_CARD, INFO_CARD
from tests.privacy_support import dump
from tests.teams.conftest import Rig, until

PERSONAL = "a:1personal-anna"


@dataclass
class FakeUploads:
    """An upload session like OneDrive's: PUT the bytes with Content-Range, 201 with the drive item."""

    puts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)

    async def put(self, request: web.Request) -> web.Response:
        if self.failures:
            return web.json_response({"error": {"code": "generalException"}}, status=self.failures.pop(0))
        self.puts.append((dict(request.headers), await request.read()))
        return web.json_response({"id": "01UPOPCK", "name": request.match_info["name"]}, status=201)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_put("/upload/{name}", self.put)
        return app


@pytest.fixture
async def uploads() -> AsyncIterator[tuple[FakeUploads, str]]:
    fake = FakeUploads()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield fake, str(server.make_url("/upload/learnbot-export.json"))
    finally:
        await server.close()


def attachments(rig: Rig, content_type: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (call.conversation, attachment)
        for call in rig.connector.sends
        for attachment in call.body.get("attachments") or []
        if attachment.get("contentType") == content_type
    ]


async def consent_card(rig: Rig, activity_id: str) -> dict[str, Any]:
    before = len(attachments(rig, CONSENT_CARD))
    assert (await rig.post(rig.activity("personal_message", id=activity_id, text="export me"))).status == 201
    await until(lambda: len(attachments(rig, CONSENT_CARD)) > before)
    conversation, attachment = attachments(rig, CONSENT_CARD)[-1]
    assert conversation == PERSONAL
    return attachment


def answer(rig: Rig, card: dict[str, Any], action: str, upload_url: str, **changes: Any) -> dict[str, Any]:
    activity = rig.activity("file_consent", **changes)
    context = card["content"]["acceptContext" if action == "accept" else "declineContext"]
    activity["value"] = {**activity["value"], "action": action, "context": context}
    activity["value"]["uploadInfo"] = {**activity["value"]["uploadInfo"], "uploadUrl": upload_url}
    return activity


async def test_export_me_is_offered_on_a_consent_card_and_uploaded_when_accepted(
    rig: Rig, uploads: tuple[FakeUploads, str]
) -> None:
    fake, upload_url = uploads
    await rig.post(rig.activity("personal_message"))  # "learned Git bisect …"
    card = await consent_card(rig, "activity-2")
    assert card["name"].startswith("learnbot-export-") and card["name"].endswith(".json")
    assert not fake.puts  # nothing leaves before the member allows it
    # Nothing personal is in the card itself: only the file's name, size and an opaque offer.
    assert "Git bisect" not in json.dumps(card) and "Anna" not in json.dumps(card)

    response = await rig.post(answer(rig, card, "accept", upload_url))
    assert response.status == 200
    [(headers, body)] = fake.puts
    assert card["content"]["sizeInBytes"] == len(body)
    assert headers["Content-Range"] == f"bytes 0-{len(body) - 1}/{len(body)}"
    document = json.loads(body)
    assert document["member"]["display_name"] == "Anna Hansen"
    assert document["tables"]["learnings"][0]["text"].startswith("Git bisect")
    [(conversation, info)] = attachments(rig, INFO_CARD)
    assert conversation == PERSONAL
    assert info["name"] == "learnbot-export.json" and info["contentUrl"].startswith("https://contoso-my.sharepoint")
    assert info["content"] == {"uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D", "fileType": "json"}

    # The same card pressed again (or a replayed invoke) uploads nothing more and says how to ask again.
    assert (await rig.post(answer(rig, card, "accept", upload_url, id="f:consent-2"))).status == 200
    assert len(fake.puts) == 1
    assert "no longer waiting" in rig.connector.texts(PERSONAL)[-1]


async def test_a_declined_export_uploads_nothing(rig: Rig, uploads: tuple[FakeUploads, str]) -> None:
    fake, upload_url = uploads
    card = await consent_card(rig, "activity-1")
    assert (await rig.post(answer(rig, card, "decline", upload_url))).status == 200
    assert fake.puts == [] and attachments(rig, INFO_CARD) == []
    assert "declined" in rig.connector.texts(PERSONAL)[-1]
    # Declined is final: a later accept of that card finds nothing to upload.
    assert (await rig.post(answer(rig, card, "accept", upload_url, id="f:consent-2"))).status == 200
    assert fake.puts == []


async def test_a_failed_upload_is_said_and_another_chat_cannot_take_the_file(
    rig: Rig, uploads: tuple[FakeUploads, str]
) -> None:
    fake, upload_url = uploads
    card = await consent_card(rig, "activity-1")
    # Someone else's chat presenting Anna's offer: refused, and her offer stays hers.
    other = {"conversationType": "personal", "tenantId": "tenant-contoso", "id": "a:1personal-bo"}
    stolen = answer(rig, card, "accept", upload_url, conversation=other, **{"from": {"id": "29:1bo", "name": "Bo"}})
    assert (await rig.post(stolen)).status == 200
    assert fake.puts == []
    fake.failures.append(500)
    assert (await rig.post(answer(rig, card, "accept", upload_url))).status == 200
    assert fake.puts == [] and "failed" in rig.connector.texts(PERSONAL)[-1]
    # Not a consent answer at all: a clear 400, never a 5xx.
    malformed = rig.activity("file_consent", value={"action": "maybe"})
    response = await rig.post(malformed)
    assert response.status == 400 and "file consent" in (await response.json())["error"]


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
