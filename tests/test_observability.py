"""What operators see: /metrics after a fan-out, /readyz and migrations, JSON log lines without member text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from adapters.app import App, build_app
from adapters.logs import configure
from adapters.web import PlatformState, WebPlatform, build_web_app
from bot.clock import ManualClock
from bot.model import ConversationRef, OutboundMessage, SentRef
from bot.ports import DeliveryError
from bot.settings import Settings
from tests.engine_support import ClockedAdapter, dm, engine_for
from tests.support import ROOM, say, user

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MONDAY_0900_CPH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
LEARNING = "Canary deploys catch config drift early"
ANSWER = "We paired on the flaky migration"


@dataclass
class FlakyAdapter(ClockedAdapter):
    """Sends to everyone but m0003 (gone for good) and m0004 (an adapter bug)."""

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        if conversation.id == "D-U-m0003":
            raise DeliveryError("chat.postMessage: channel_not_found", permanent=True)
        if conversation.id == "D-U-m0004":
            raise RuntimeError("connector exploded")
        return await super().send(conversation, message)


async def _fan_out(app: App, clock: ManualClock, members: int = 6) -> FlakyAdapter:
    clock.set(MONDAY_0600)
    adapter = FlakyAdapter(clock=clock)
    app.notifier.register(adapter)
    await app.membership.record_members(ROOM, [user(f"m{number:04d}") for number in range(members)])
    await say(app.bot, f"learned {LEARNING} #ops", who="m0000")
    await say(app.bot, "nudge add weekdays 09:00 dm", who="m0000")
    clock.set(MONDAY_0900_CPH)
    await engine_for(app, metrics=app.metrics).tick()
    return adapter


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_a_fan_out_and_the_requests(app: App, clock: ManualClock) -> None:
    await _fan_out(app, clock)
    web_app, _ = await build_web_app(app, [])
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        assert (await client.get("/healthz")).status == 200
        assert (await client.get("/nowhere")).status == 404
        response = await client.get("/metrics")
        assert response.status == 200
        assert response.content_type == "text/plain"
        samples = _samples(await response.text())

    def deliveries(outcome: str) -> float:
        labels = (("kind", "nudge.invitation"), ("outcome", outcome), ("platform", "test"))
        return samples.get(("learnbot_deliveries_total", labels), 0)

    assert deliveries("sent") == 4
    assert deliveries("failed") == 1  # m0003, permanent
    assert deliveries("retry") == 1  # m0004, backs off
    assert samples[("learnbot_send_seconds_count", (("platform", "test"),))] == 4
    assert samples[("learnbot_due_to_sent_seconds_count", (("kind", "nudge.invitation"), ("platform", "test")))] == 4
    assert samples[("learnbot_inbound_requests_total", (("platform", "http"), ("status", "200")))] == 1
    assert samples[("learnbot_inbound_requests_total", (("platform", "http"), ("status", "404")))] == 1
    assert ("learnbot_claim_lease_expiries_total", ()) in samples


async def test_two_apps_in_one_process_keep_their_own_counts(settings: Settings, clock: ManualClock) -> None:
    first, second = build_app(settings, clock=clock), build_app(settings, clock=clock)
    try:
        first.metrics.rate_limit_waits.labels("slack").inc()
        assert (
            _samples(second.metrics.exposition()[0].decode()).get(
                ("learnbot_rate_limit_waits_total", (("platform", "slack"),))
            )
            is None
        )
    finally:
        await first.close()
        await second.close()


async def test_readyz_says_whether_migrations_are_at_head(app: App, tmp_path: Path) -> None:
    web_app, _ = await build_web_app(app, [])
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        response = await client.get("/readyz")
        assert response.status == 200
        assert (await response.json())["migrations"] == "head"
    empty = build_app(Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"))  # type: ignore[call-arg]
    try:
        web_app, _ = await build_web_app(empty, [])
        async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
            response = await client.get("/readyz")
            body = await response.json()
            assert response.status == 503
            assert body["migrations"] == "behind" and body["database_revision"] is None and body["code_revision"]
            assert (await client.get("/healthz")).status == 200  # alive, just not ready
    finally:
        await empty.close()


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger writing JSON lines at DEBUG into a buffer, as `LOG_FORMAT=json LOG_LEVEL=DEBUG` does."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure(logging.DEBUG, "json", stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved:
            root.addHandler(handler)
        root.setLevel(level)


def test_slack_web_clients_do_not_format_debug_lines_that_would_be_dropped(json_log: io.StringIO) -> None:
    """slack_sdk builds a DEBUG line (a repr of the payload, member text and all) for every Web API request and
    response unless its client's own logger level says otherwise: it reads `logger.level`, not the effective level.
    The parent logger's WARNING dropped each line only after it was built; with the level set where slack_sdk looks,
    it is not built, at LOG_LEVEL=DEBUG too."""
    from slack_sdk.web.async_client import AsyncWebClient

    client_logger = AsyncWebClient(token="xoxb-test").logger
    assert client_logger.level > logging.DEBUG and not client_logger.isEnabledFor(logging.DEBUG)


async def test_json_log_lines_carry_the_delivery_id_and_no_member_text(
    app: App, clock: ManualClock, json_log: io.StringIO
) -> None:
    await _fan_out(app, clock)
    await say(app.bot, ANSWER, who="m0001", where=dm("m0001"))  # an answer to the prompt, by DM
    web_app, _ = await build_web_app(app, [_logging_platform()])
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        assert (await client.get("/hello", headers={"X-Request-Id": "req-42"})).status == 200

    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]  # every line is one JSON object
    assert lines
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys()
        assert LEARNING not in json.dumps(line) and ANSWER not in json.dumps(line)
    failed = [line for line in lines if "failed for good" in line["message"]]
    assert len(failed) == 1 and failed[0]["level"] == "warning" and isinstance(failed[0]["delivery_id"], int)
    crashed = [line for line in lines if "exception" in line and "connector exploded" in line["exception"]]
    assert crashed and crashed[0]["delivery_id"] != failed[0]["delivery_id"]
    hello = [line for line in lines if line["message"] == "hello from a handler"]
    assert hello == [{**hello[0], "request_id": "req-42"}] and "delivery_id" not in hello[0]


def _logging_platform() -> WebPlatform:
    """A platform whose one route logs a line, as a turn's code would."""

    async def mount(web_app: web.Application, _: App) -> Callable[[], Awaitable[None]]:
        async def hello(_: web.Request) -> web.Response:
            logging.getLogger("tests.platform").info("hello from a handler")
            return web.Response(text="hi")

        web_app.router.add_get("/hello", hello)

        async def cleanup() -> None:
            return None

        return cleanup

    return WebPlatform("logging", lambda _: PlatformState("logging", True, "test"), mount)


async def test_a_failing_slack_turn_is_counted_and_keeps_its_request_id(app: App, json_log: io.StringIO) -> None:
    from adapters.slack.backlog import Backlog
    from bot.log_context import bound

    backlog = Backlog(on_error=app.metrics.handler_errors.labels("slack").inc)

    async def broken_turn() -> None:
        raise ValueError("a bug in a listener")

    with bound(request_id="req-7"):  # as the HTTP edge binds it before Bolt's listener queues the turn
        backlog.submit(broken_turn)
    await backlog.drain()
    await backlog.stop()
    samples = _samples(app.metrics.exposition()[0].decode())
    assert samples[("learnbot_handler_errors_total", (("platform", "slack"),))] == 1
    [line] = [json.loads(line) for line in json_log.getvalue().splitlines() if "a Slack request after its ack" in line]
    assert line["request_id"] == "req-7" and "a bug in a listener" in line["exception"]
