"""Slack over real HTTP on loopback: learnbot's aiohttp app with Bolt, signed requests in, fake Web API out."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from adapters.app import App, build_app
from adapters.slack.platform import slack_platform
from adapters.web import build_web_app
from bot.clock import ManualClock
from bot.settings import Settings
from tests.slack.fake_slack import FakeSlack

SECRET = "test-signing-secret"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret"
PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str, **changes: Any) -> dict[str, Any]:
    """A captured Slack payload from tests/slack/payloads with top-level fields replaced."""
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    data.update(changes)
    return data


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackRig:
    app: App
    api: FakeSlack
    client: TestClient[Any, Any]

    async def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> ClientResponse:
        all_headers = {"Content-Type": content_type, **sign(body), **(headers or {})}
        return await self.client.post("/slack/events", data=body.encode(), headers=all_headers)

    async def command(self, command: str, text: str, **changes: Any) -> ClientResponse:
        fields = payload("slash_command", command=command, text=text, **changes)
        fields["response_url"] = self.api.response_url()
        return await self.post(urlencode(fields), "application/x-www-form-urlencoded")

    async def event(self, envelope: dict[str, Any], headers: dict[str, str] | None = None) -> ClientResponse:
        return await self.post(json.dumps(envelope), "application/json", headers)

    async def interact(self, body: dict[str, Any]) -> ClientResponse:
        return await self.post(urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded")


def single_workspace(database_url: str, fake_slack: FakeSlack) -> Settings:
    """Settings for one workspace (SLACK_BOT_TOKEN) against the fake Web API."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.url,
    )


async def _rig(settings: Settings, fake_slack: FakeSlack, clock: ManualClock) -> AsyncIterator[SlackRig]:
    app = build_app(settings, clock=clock)
    web_app, states = await build_web_app(app, [slack_platform()])
    assert states[0].enabled, states
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    yield SlackRig(app, fake_slack, client)
    await client.close()
    await app.close()


@pytest.fixture
async def slack(database_url: str, fake_slack: FakeSlack, clock: ManualClock) -> AsyncIterator[SlackRig]:
    """learnbot for one workspace (SLACK_BOT_TOKEN) over HTTP."""
    async for rig in _rig(single_workspace(database_url, fake_slack), fake_slack, clock):
        yield rig


@pytest.fixture
async def slack_oauth(database_url: str, fake_slack: FakeSlack, clock: ManualClock) -> AsyncIterator[SlackRig]:
    """learnbot for many workspaces (OAuth with CLIENT_ID/SECRET) over HTTP; nothing installed yet."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.url,
    )
    async for rig in _rig(settings, fake_slack, clock):
        yield rig
