"""The Teams rig: learnbot's real aiohttp app on 127.0.0.1 with /api/messages, and a fake Bot Connector as the
serviceUrl of every activity. Backoff sleeps are recorded instead of slept."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from adapters.app import App
from adapters.teams.adapter import TeamsAdapter, TeamsConfig
from adapters.teams.delivery import Delivery, Pacer, RetryPolicy
from adapters.teams.endpoint import TURNS_KEY, mount_teams
from adapters.teams.turns import TeamsTurns
from adapters.web import PlatformState, WebPlatform, build_web_app
from tests.teams.fake_connector import FakeConnector

ACTIVITIES = Path(__file__).parent / "activities"
TENANT = "tenant-contoso"
TEAM = "19:general@thread.tacv2"
ROSTER = [
    {"id": "29:1anna", "name": "Anna Hansen", "aadObjectId": "aad-anna", "userRole": "user", "tenantId": TENANT},
    {"id": "29:1bo", "name": "Bo Berg", "aadObjectId": "aad-bo", "userRole": "user", "tenantId": TENANT},
    {"id": "29:1carl", "name": "Carl Svensson", "aadObjectId": "aad-carl", "userRole": "user", "tenantId": TENANT},
    {"id": "29:1eva", "name": "Eva Ek", "aadObjectId": "aad-eva", "userRole": "guest", "tenantId": TENANT},
    {"id": "29:1finn", "name": "Finn Friis", "aadObjectId": "aad-finn", "userRole": "user", "tenantId": TENANT},
]


@dataclass
class Rig:
    app: App
    client: TestClient[Any, Any]
    connector: FakeConnector
    service_url: str
    adapter: TeamsAdapter
    turns: TeamsTurns
    sleeps: list[float] = field(default_factory=list)

    def activity(self, fixture: str, **changes: Any) -> dict[str, Any]:
        text = (ACTIVITIES / f"{fixture}.json").read_text().replace("{SERVICE_URL}", self.service_url)
        activity: dict[str, Any] = json.loads(text)
        activity.update(changes)
        return activity

    async def post(self, activity: Any, headers: dict[str, str] | None = None) -> ClientResponse:
        return await self.client.post("/api/messages", json=activity, headers=headers)


async def until(condition: Callable[[], Awaitable[bool] | bool], within: float = 5.0) -> None:
    """Poll `condition` until true, failing after `within` seconds (never a fixed sleep)."""
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def start_rig(app: App, config: TeamsConfig, connector: FakeConnector) -> AsyncIterator[Rig]:
    connector_server = TestServer(connector.app(), host="127.0.0.1")
    await connector_server.start_server()
    sleeps: list[float] = []

    async def recorded_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(0)

    delivery = Delivery(Pacer(1_000.0, 1_000.0), RetryPolicy(attempts=5), sleep=recorded_sleep)
    adapter = TeamsAdapter(config, delivery)
    holder: dict[str, TeamsTurns] = {}

    async def mount(web_app: web.Application, app: App) -> Callable[[], Awaitable[None]]:
        cleanup = await mount_teams(web_app, app, adapter)
        holder["turns"] = web_app[TURNS_KEY]
        return cleanup

    platform = WebPlatform("teams", lambda _: PlatformState("teams", True, "test"), mount)
    web_app, _ = await build_web_app(app, [platform])
    client: TestClient[Any, Any] = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    service_url = str(connector_server.make_url("/"))
    try:
        yield Rig(app, client, connector, service_url, adapter, holder["turns"], sleeps)
    finally:
        await client.close()
        await connector_server.close()


@pytest.fixture
def connector() -> FakeConnector:
    return FakeConnector(members=[dict(member) for member in ROSTER])


@pytest.fixture
async def rig(app: App, connector: FakeConnector) -> AsyncIterator[Rig]:
    async for rig in start_rig(app, TeamsConfig(), connector):
        yield rig
