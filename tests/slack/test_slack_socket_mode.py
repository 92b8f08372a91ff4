"""Socket Mode on loopback: learnbot opens a connection through apps.connections.open, acks envelopes, then works."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from adapters.app import App, build_app
from adapters.slack.platform import slack_platform
from adapters.web import HalfConfigured, build_web_app
from bot.clock import ManualClock
from bot.learning.tables import Learning
from bot.settings import Settings
from tests.slack.conftest import payload
from tests.slack.fake_slack import FakeSlack
from tests.slack.fake_socket_mode import FakeSocketMode


@dataclass
class SocketRig:
    app: App
    api: FakeSlack
    socket: FakeSocketMode
    client: TestClient[Any, Any]


def settings_for(database_url: str, api: FakeSlack, **tokens: Any) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, slack_api_url=api.url, **tokens
    )


@pytest.fixture
async def socket_mode(database_url: str, fake_slack: FakeSlack, clock: ManualClock) -> AsyncIterator[SocketRig]:
    server = FakeSocketMode()
    await server.start()
    fake_slack.socket_url = server.url
    # No signing secret: Socket Mode needs none, since nothing comes in over HTTP.
    settings = settings_for(database_url, fake_slack, slack_bot_token="xoxb-test", slack_app_token="xapp-1-test")
    app = build_app(settings, clock=clock)
    web_app, states = await build_web_app(app, [slack_platform()])
    assert states[0].enabled and "Socket Mode" in states[0].reason, states
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    await server.wait_connected()
    yield SocketRig(app, fake_slack, server, client)
    await client.close()
    await server.close()
    await app.close()


async def learnings(rig: SocketRig) -> list[str]:
    async with rig.app.sessions() as session:
        return list(await session.scalars(select(Learning.text).order_by(Learning.id)))


async def test_connects_with_the_app_token_and_serves_no_http_endpoint(socket_mode: SocketRig) -> None:
    assert socket_mode.api.tokens("apps.connections.open") == ["Bearer xapp-1-test"]
    response = await socket_mode.client.post("/slack/events", data="{}")
    assert response.status == 404
    assert (await socket_mode.client.get("/healthz")).status == 200


async def test_slash_command_envelope_is_acked_then_stored_and_confirmed(socket_mode: SocketRig) -> None:
    rig = socket_mode
    command = payload("slash_command", command="/learned", text="Socket Mode needs no public URL #slack")
    command["response_url"] = rig.api.response_url()
    envelope_id = await rig.socket.send("slash_commands", command, accepts_response_payload=True)

    assert await rig.socket.ack_for(envelope_id) == {"envelope_id": envelope_id}
    [reply] = await rig.api.wait_for("response_url:r1")
    assert reply["response_type"] == "ephemeral" and "#slack" in reply["text"]
    assert rig.api.tokens("users.info") == ["Bearer xoxb-test"]
    assert await learnings(rig) == ["Socket Mode needs no public URL #slack"]


async def test_events_api_envelope_is_acked_and_a_redelivery_is_stored_once(socket_mode: SocketRig) -> None:
    rig = socket_mode
    event = payload("message_im")
    first = await rig.socket.send("events_api", event, accepts_response_payload=False, retry_attempt=0)
    assert await rig.socket.ack_for(first) == {"envelope_id": first}
    [sent] = await rig.api.wait_for("chat.postEphemeral")
    assert (sent["channel"], sent["user"]) == ("D111", "U111")

    # Slack redelivers an event it thinks was lost with a new envelope but the same event_id.
    again = await rig.socket.send(
        "events_api", event, accepts_response_payload=False, retry_attempt=1, retry_reason="timeout"
    )
    assert await rig.socket.ack_for(again) == {"envelope_id": again}
    mention = await rig.socket.send("events_api", payload("app_mention"), accepts_response_payload=False)
    await rig.socket.ack_for(mention)
    await rig.api.wait_for("chat.postEphemeral", 2)
    assert sorted(await learnings(rig)) == ["DMs reach the same grammar", "mentions work too #slack"]


async def test_a_bot_token_in_slack_app_token_stops_the_start_with_a_clear_error(
    database_url: str, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    settings = settings_for(database_url, fake_slack, slack_bot_token="xoxb-test", slack_app_token="xoxb-test")
    app = build_app(settings, clock=clock)
    try:
        with pytest.raises(HalfConfigured, match=r"SLACK_APP_TOKEN.*not_allowed_token_type"):
            await build_web_app(app, [slack_platform()])
    finally:
        await app.close()


async def test_oauth_install_pages_are_served_over_http_in_socket_mode(
    database_url: str, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    server = FakeSocketMode()
    await server.start()
    fake_slack.socket_url = server.url
    settings = settings_for(
        database_url,
        fake_slack,
        slack_client_id="1111.2222",
        slack_client_secret="test-client-secret",
        slack_signing_secret="test-signing-secret",
        slack_app_token="xapp-1-test",
    )
    app = build_app(settings, clock=clock)
    web_app, _ = await build_web_app(app, [slack_platform()])
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    try:
        await server.wait_connected()
        install = await client.get("/slack/install", allow_redirects=False)
        assert install.status == 302 and "/oauth/v2/authorize?" in install.headers["Location"]
        assert (await client.post("/slack/events", data="{}")).status == 404
    finally:
        await client.close()
        await server.close()
        await app.close()


async def test_socket_mode_envelopes_are_counted_in_metrics(socket_mode: SocketRig) -> None:
    rig = socket_mode
    first = await rig.socket.send("events_api", payload("message_im"), accepts_response_payload=False)
    await rig.socket.ack_for(first)
    await rig.api.wait_for("chat.postEphemeral")
    metrics = await (await rig.client.get("/metrics")).text()
    counted = {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "learnbot_inbound_requests_total"
    }
    assert counted[(("platform", "slack"), ("status", "200"))] == 1
