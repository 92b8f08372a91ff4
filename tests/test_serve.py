"""The shared HTTP server: health probe and platform selection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.app import App
from adapters.web import HalfConfigured, PlatformState, WebPlatform, build_web_app, describe


async def test_healthz_reports_ok_with_a_reachable_database(app: App) -> None:
    web_app, states = await build_web_app(app, [])
    assert states == []
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


async def test_only_enabled_platforms_are_mounted(app: App) -> None:
    mounted: list[str] = []

    def platform(name: str, enabled: bool) -> WebPlatform:
        async def mount(web_app: web.Application, _: App) -> Callable[[], Awaitable[None]]:
            mounted.append(name)

            async def hello(_: web.Request) -> web.Response:
                return web.Response(text=name)

            web_app.router.add_get(f"/{name}", hello)

            async def cleanup() -> None:
                mounted.remove(name)

            return cleanup

        return WebPlatform(name, lambda _: PlatformState(name, enabled, "test"), mount)

    web_app, states = await build_web_app(app, [platform("on", True), platform("off", False)])
    assert describe(states) == "on: on (test); off: off (test)"
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
        assert await (await client.get("/on")).text() == "on"
        assert (await client.get("/off")).status == 404
    assert mounted == []  # cleanup ran on shutdown


async def test_half_configured_platform_stops_the_server(app: App) -> None:
    def check(_: App) -> PlatformState:
        raise HalfConfigured("SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not")

    async def mount(web_app: web.Application, _: App) -> Callable[[], Awaitable[None]]:
        raise AssertionError("must not mount")

    with pytest.raises(HalfConfigured, match="SLACK_SIGNING_SECRET"):
        await build_web_app(app, [WebPlatform("slack", check, mount)])


async def test_serve_runs_the_nudge_scheduler_until_stopped(app: App) -> None:
    import asyncio
    import socket

    from adapters.web import serve

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = asyncio.create_task(serve(app, [], "127.0.0.1", port))
    deadline = asyncio.get_running_loop().time() + 5
    while not app.timekeeper.running and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110 (poll, deadline)
        await asyncio.sleep(0.01)
    assert app.timekeeper.running
    server.cancel()
    with pytest.raises(asyncio.CancelledError):
        await server
    assert not app.timekeeper.running
