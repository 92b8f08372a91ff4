"""The fast ConversationReference rebuild reads stored JSON exactly as msrest's deserializer does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botbuilder.schema import ConversationReference

from adapters.teams.references import conversation_reference
from adapters.teams.translate import reference

ACTIVITIES = Path(__file__).parent / "activities"


def stored(fixture: str) -> dict[str, Any]:
    text = (ACTIVITIES / fixture).read_text().replace("{SERVICE_URL}", "http://127.0.0.1:1/")
    return reference(json.loads(text))


@pytest.mark.parametrize(
    "fixture", ["channel_mention.json", "personal_message.json", "team_install.json", "personal_install.json"]
)
def test_references_we_store_rebuild_like_msrest(fixture: str) -> None:
    raw = stored(fixture)
    rebuilt = conversation_reference(raw)
    assert rebuilt == ConversationReference().deserialize(dict(raw))
    assert rebuilt.serialize() == ConversationReference().deserialize(dict(raw)).serialize()
    assert rebuilt.service_url == "http://127.0.0.1:1/"
    assert rebuilt.conversation.id == raw["conversation"]["id"]


FULL = {
    "activityId": "1700000000002",
    "channelId": "msteams",
    "locale": "da-DK",
    "serviceUrl": "https://smba.example/teams/",
    "user": {"id": "29:1bo", "name": "Bo", "aadObjectId": "aad-bo", "role": "user"},
    "bot": {"id": "28:learnbot", "name": "learnbot", "role": "bot"},
    "conversation": {
        "isGroup": False,
        "conversationType": "personal",
        "id": "a:1",
        "name": "chat",
        "aadObjectId": "aad-chat",
        "role": "user",
        # botbuilder's key is tenantID: msrest ignores tenantId, and so must we; tenantID is read.
        "tenantId": "ignored",
        "tenantID": "tenant-contoso",
    },
    "unknownKey": {"kept": "out"},
}


@pytest.mark.parametrize(
    "raw",
    [
        FULL,
        {"serviceUrl": "https://smba.example/teams/", "conversation": {"id": "a:1"}},
        # Values only msrest knows how to read take the msrest path, with the same result.
        {**FULL, "conversation": {**FULL["conversation"], "isGroup": "true"}},
        {**FULL, "user": {**FULL["user"], "properties": {"nested": [1, {"a": 2}]}}},
        {**FULL, "locale": 5},
    ],
    ids=["every-field", "minimal", "bool-as-string", "object-field", "number-as-string-field"],
)
def test_every_field_and_odd_values_rebuild_like_msrest(raw: dict[str, Any]) -> None:
    rebuilt = conversation_reference(raw)
    expected = ConversationReference().deserialize(json.loads(json.dumps(raw)))
    assert rebuilt == expected
    assert rebuilt.serialize() == expected.serialize()


def test_each_call_returns_a_fresh_reference_the_caller_may_change() -> None:
    first = conversation_reference(FULL)
    first.conversation.id = "a:1;messageid=9"
    assert conversation_reference(FULL).conversation.id == "a:1"
    assert FULL["conversation"]["id"] == "a:1"  # type: ignore[index]
