"""Every inbound edge answers 4xx for anything malformed, never 5xx, and writes nothing for it.

Slack over real HTTP with real signatures, Teams in unauthenticated development mode (no token needed, so a body
alone must never break it), and the OAuth pages.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import random
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.db.models import Member
from tests.hostile.support import drained, row_counts
from tests.slack.conftest import SECRET, SlackRig, payload, sign
from tests.teams.conftest import Rig

FORM = "application/x-www-form-urlencoded"
COMMAND = urlencode(payload("slash_command", command="/learned", text="forged learning"))
DEEP = "[" * 100_000 + "]" * 100_000


def _fresh() -> str:
    return str(int(time.time()))


MALFORMED_SIGNATURES: list[dict[str, str]] = [
    {},
    {"X-Slack-Request-Timestamp": "nan", "X-Slack-Signature": "v0=00"},
    {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""},
    {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": sign(COMMAND)["X-Slack-Signature"]},
    {"X-Slack-Request-Timestamp": "-1", "X-Slack-Signature": "v0=" + "0" * 64},
    {"X-Slack-Request-Timestamp": "1e10", "X-Slack-Signature": "v0=" + "0" * 64},
    {"X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠", "X-Slack-Signature": "v0=" + "0" * 64},  # Arabic-Indic digits
    {"X-Slack-Request-Timestamp": "inf", "X-Slack-Signature": "v1=abc"},
    {"X-Slack-Signature": sign(COMMAND)["X-Slack-Signature"]},
    {"X-Slack-Request-Timestamp": _fresh()},
    {"X-Slack-Request-Timestamp": _fresh(), "X-Slack-Signature": "v0=" + "g" * 64},
    {"X-Slack-Request-Timestamp": _fresh(), "X-Slack-Signature": sign(COMMAND)["X-Slack-Signature"].upper()},
    sign(COMMAND, secret="not-the-secret"),
    sign(COMMAND, timestamp=int(time.time()) - 301),
    sign(COMMAND, timestamp=int(time.time()) + 3600),
    sign(COMMAND + "&text=tampered"),
]


@pytest.mark.parametrize("headers", MALFORMED_SIGNATURES, ids=[str(n) for n in range(len(MALFORMED_SIGNATURES))])
async def test_unsigned_requests_of_any_shape_get_401(slack: SlackRig, headers: dict[str, str]) -> None:
    response = await slack.client.post(
        "/slack/events", data=COMMAND.encode(), headers={"Content-Type": FORM, **headers}
    )
    assert response.status == 401
    assert sum((await row_counts(slack.app)).values()) == 0


async def _signed(slack: SlackRig, body: bytes, content_type: str) -> int:
    timestamp = _fresh()
    digest = hmac.new(SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    response = await slack.client.post("/slack/events", data=body, headers=headers)
    return response.status


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"text=caf\xe9&command=%2Flearned", FORM, 400),  # Latin-1, not UTF-8
        (b"\xff\xfe{\x00}\x00", "application/json", 400),
        ("text=hej".encode("utf-16"), f"{FORM}; charset=utf-16", 415),
        (b"text=hej", f"{FORM}; charset=klingon", 415),
        (b"[]", "application/json", 400),
        (b"null", "application/json", 400),
        (b'"event_callback"', "application/json", 400),
        (b"{not json", "application/json", 400),
        (DEEP.encode(), "application/json", 400),
        (b"payload=%7Bnot+json", FORM, 400),
        (b"payload=%5B1%2C2%5D", FORM, 400),
        (json.dumps({"type": "event_callback", "event": "x"}).encode(), "application/json", 400),
        (json.dumps({"type": "event_callback", "event": {"type": "message", "user": ["U1"]}}).encode(), "", 400),
        (json.dumps({"type": "event_callback", "event_id": {}, "event": {"type": "message"}}).encode(), "", 400),
        (json.dumps({"type": "event_callback", "authorizations": "x", "event": {}}).encode(), "", 400),
        (json.dumps({"type": "url_verification", "challenge": {"x": 1}}).encode(), "application/json", 400),
        (urlencode({"payload": json.dumps({"type": "block_actions", "actions": "x"})}).encode(), FORM, 400),
        (urlencode({"payload": json.dumps({"type": "block_actions", "actions": [5]})}).encode(), FORM, 400),
        (urlencode({"payload": json.dumps({"type": "block_actions", "container": "z"})}).encode(), FORM, 400),
        (urlencode({"payload": json.dumps({"type": "view_submission", "view": "x"})}).encode(), FORM, 400),
        (
            urlencode({"payload": json.dumps({"type": "view_submission", "view": {"state": {"values": []}}})}).encode(),
            FORM,
            400,
        ),
        (urlencode({"payload": json.dumps({"type": "message_action", "message": "x"})}).encode(), FORM, 400),
        (urlencode({"payload": json.dumps({"type": "shortcut", "user": 5})}).encode(), FORM, 400),
        (b"command=%2Flearned&text=nul%00here", FORM, 400),
        (json.dumps({"type": "event_callback", "event": {"type": "message", "text": "a\u0000b"}}).encode(), "", 400),
    ],
)
async def test_signed_but_malformed_bodies_get_4xx(
    slack: SlackRig, body: bytes, content_type: str, status: int
) -> None:
    assert await _signed(slack, body, content_type) == status
    await drained(slack)
    assert sum((await row_counts(slack.app)).values()) == 0


async def test_oversized_slack_bodies_keep_413(slack: SlackRig) -> None:
    huge = b"text=" + b"a" * (3 * 1024 * 1024)
    assert await _signed(slack, huge, FORM) == 413


async def test_oversized_teams_bodies_keep_413(rig: Rig) -> None:
    response = await rig.client.post("/api/messages", data=b"{" + b" " * (3 * 1024 * 1024) + b"}")
    assert response.status == 413


async def test_a_thousand_forged_requests_are_all_refused_and_the_server_stays_healthy(slack: SlackRig) -> None:
    """Forged, stale, missing and malformed signatures on every kind of body: 100% 4xx, 0 rows written."""
    shapes = itertools.cycle(range(8))
    chooser = random.Random(9)
    bodies = [
        (COMMAND, FORM),
        (json.dumps(payload("app_mention")), "application/json"),
        (urlencode({"payload": json.dumps(payload("block_actions_message"))}), FORM),
    ]
    statuses: list[int] = []
    for n in range(1000):
        body, content_type = bodies[n % len(bodies)]
        shape = next(shapes)
        now = int(time.time())
        headers: dict[str, str]
        if shape == 0:
            headers = sign(body, secret=f"guess-{chooser.random()}")
        elif shape == 1:
            headers = sign(body, timestamp=now - 301 - chooser.randrange(10**6))
        elif shape == 2:
            headers = {}
        elif shape == 3:
            headers = {"X-Slack-Request-Timestamp": str(now)}
        elif shape == 4:
            headers = {
                "X-Slack-Request-Timestamp": chooser.choice(["nan", "", "1e9", "0x10", " 1", "٣"]),
                **{"X-Slack-Signature": "v0=" + "a" * 64},
            }
        elif shape == 5:
            headers = {**sign(body), "X-Slack-Signature": f"v0={chooser.getrandbits(256):064x}"}
        elif shape == 6:
            headers = sign(body + "&x=1")  # signed for other bytes
        else:
            headers = {**sign(body), "X-Slack-Signature": chooser.choice(["", "v0=", "v0=zz", "sha256=ab", "v0=" * 30])}
        response = await slack.client.post(
            "/slack/events", data=body.encode(), headers={"Content-Type": content_type, **headers}
        )
        statuses.append(response.status)
        response.release()
    assert {status for status in statuses} == {401}
    await drained(slack)
    assert sum((await row_counts(slack.app)).values()) == 0
    assert slack.api.calls == []
    healthz = await slack.client.get("/healthz")
    assert healthz.status == 200
    # Healthy means still serving members: a properly signed command right after is answered and stored.
    assert (await slack.command("/learned", "still here")).status == 200
    await slack.api.wait_for("response_url:r1")


# --- Teams, unauthenticated development mode ----------------------------------------------------------------


WRONG_TYPES: list[dict[str, Any]] = [
    {"channelData": "x"},
    {"channelData": {"tenant": "x"}},
    {"channelData": {"tenant": {"id": 5}}},
    {"serviceUrl": "not a url"},
    {"serviceUrl": "ftp://example.org/"},
    {"serviceUrl": "http://"},
    {"replyToId": {"id": "1"}},
    {"id": []},
    {"from": "anna"},
    {"from": {"id": 5}},
    {"from": {"id": "29:1anna", "name": ["Anna"]}},
    {"recipient": "bot"},
    {"conversation": "x"},
    {"conversation": {"id": "a:1", "isGroup": "yes"}},
    {"conversation": {"id": "a:1", "conversationType": 5}},
    {"conversation": {"id": "a:1", "tenantId": {}}},
    {"entities": "x"},
    {"entities": ["x"]},
    {"entities": [{"type": "clientInfo", "locale": 5}]},
    {"entities": [{"type": "mention", "mentioned": "bot", "text": "<at>x</at>"}]},
    {"locale": ["da"]},
    {"text": {"a": 1}},
    {"text": 5},
    {"type": 5},
    {"membersAdded": "x"},
    {"membersAdded": [{"id": 5}]},
    {"value": {"learnbot": "x"}},
    {"value": {"learnbot": {"action": 5}}},
    {"value": {"learnbot": {"action": "x", "toggles": 5}}},
    {"value": {"learnbot": {"action": "x", "labels": ["a"]}}},
    {"attachments": "x"},
    {"text": "learned nul\u0000here"},
    {"from": {"id": "29:1anna", "name": "Anna\u0000"}},
]


@pytest.mark.parametrize("change", WRONG_TYPES, ids=[json.dumps(change)[:40] for change in WRONG_TYPES])
async def test_teams_wrong_types_get_400(rig: Rig, change: dict[str, Any]) -> None:
    response = await rig.post(rig.activity("personal_message", **change))
    assert response.status == 400, await response.text()
    assert (await response.json())["error"].startswith("not a Bot Framework activity")
    assert rig.connector.calls == []
    assert sum((await row_counts(rig.app)).values()) == 0


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00", b'{"type": "message", "text": "caf\xe9"}', DEEP.encode(), b"1e999999", b"9" * 5000],
    ids=["binary", "latin-1", "deep", "huge-float", "huge-int"],
)
async def test_teams_undecodable_bodies_get_400(rig: Rig, body: bytes) -> None:
    response = await rig.client.post("/api/messages", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert rig.connector.calls == []


async def test_teams_card_actions_of_the_wrong_shape_get_400(rig: Rig) -> None:
    activity = rig.activity("card_execute")
    activity["value"] = {"action": {"verb": "x", "data": {"learnbot": {"action": "x", "toggles": "abc"}}}}
    response = await rig.post(activity)
    assert response.status == 400
    assert "toggles" in (await response.json())["error"]


# --- OAuth pages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "code=x",
        "state=x",
        "code=x&state=%ff%fe",
        "code=%00&state=%00",
        "error=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "state=" + "a" * 5000,
        "code=x&code=y&state=1&state=2",
    ],
)
async def test_oauth_redirect_never_fails_with_5xx(slack_oauth: SlackRig, query: str) -> None:
    response = await slack_oauth.client.get(f"/slack/oauth_redirect?{query}", allow_redirects=False)
    assert response.status < 500
    assert "<script>" not in await response.text()
    response = await slack_oauth.client.get(f"/slack/install?{query}", allow_redirects=False)
    assert response.status < 500


@pytest.mark.parametrize(
    "change",
    [
        {"from": {"id": "29:" + "x" * 200, "name": "Anna"}},
        {"channelData": {"tenant": {"id": "t" * 200}}},
        {"conversation": {"conversationType": "personal", "id": "a:" + "x" * 300}},
    ],
    ids=["member id", "tenant id", "conversation id"],
)
async def test_teams_ids_longer_than_any_teams_sends_get_400(rig: Rig, change: dict[str, Any]) -> None:
    # Their columns would refuse them on PostgreSQL mid-turn; SQLite would silently keep them.
    response = await rig.post(rig.activity("personal_message", **change))
    assert response.status == 400
    assert sum((await row_counts(rig.app)).values()) == 0


async def test_a_teams_name_longer_than_its_column_is_kept_shortened(rig: Rig) -> None:
    """Teams allows 256-character display names; the name columns hold 200."""
    long_name = "Anna " + "x" * 250
    activity = rig.activity("personal_message", text="help", **{"from": {"id": "29:1anna", "name": long_name}})
    response = await rig.post(activity)
    assert response.status == 201
    async with rig.app.sessions() as session:
        assert await session.scalar(select(Member.display_name)) == long_name[:200]
