"""`learnbot serve`: one aiohttp server that every configured platform mounts its routes on.

Each platform contributes a `WebPlatform`: it says from the settings whether it is on, off (and why), or
half-configured (which stops the server, since a half-set-up bot would silently drop a team's messages), and
mounts its routes and adapter when on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import text

from adapters.app import App

log = logging.getLogger(__name__)

APP_KEY = web.AppKey("learnbot_app", App)


@dataclass(frozen=True)
class PlatformState:
    name: str
    enabled: bool
    reason: str  # why it is off, or how it is set up when on


class HalfConfigured(RuntimeError):
    """A platform has some of its settings but not all: refuse to start rather than half-work."""


@dataclass(frozen=True)
class WebPlatform:
    name: str
    # Returns the state from the settings; raises HalfConfigured when settings contradict each other.
    check: Callable[[App], PlatformState]
    # Adds routes (and registers the adapter on app.notifier); returns an async cleanup.
    mount: Callable[[web.Application, App], Awaitable[Callable[[], Awaitable[None]]]]


async def healthz(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    try:
        async with app.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # the probe must answer, not crash
        log.warning("health check failed: %s", error)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok"})


async def build_web_app(app: App, platforms: Sequence[WebPlatform]) -> tuple[web.Application, list[PlatformState]]:
    """The aiohttp application with /healthz and every enabled platform's routes."""
    web_app = web.Application(client_max_size=2 * 1024 * 1024)
    web_app[APP_KEY] = app
    web_app.router.add_get("/healthz", healthz)
    states = [platform.check(app) for platform in platforms]
    cleanups: list[Callable[[], Awaitable[None]]] = []
    for platform, state in zip(platforms, states, strict=True):
        if state.enabled:
            cleanups.append(await platform.mount(web_app, app))

    async def run_cleanups(_: web.Application) -> None:
        for cleanup in reversed(cleanups):
            await cleanup()

    web_app.on_cleanup.append(run_cleanups)
    return web_app, states


def describe(states: Sequence[PlatformState]) -> str:
    if not states:
        return "no chat platforms are built into this version"
    return "; ".join(f"{s.name}: {'on' if s.enabled else 'off'} ({s.reason})" for s in states)


async def serve(app: App, platforms: Sequence[WebPlatform], host: str, port: int) -> None:
    """Run until SIGTERM / SIGINT (or cancellation), then stop gracefully: a nudge tick in flight finishes."""
    web_app, states = await build_web_app(app, platforms)
    log.info("platforms: %s", describe(states))
    if not any(state.enabled for state in states):
        log.warning("no chat platform is configured; only /healthz is served (see README: Run in Slack / Teams)")
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("learnbot listening on http://%s:%d", host, port)
    # Adapters are registered by their mounts above, so nudges can reach every platform from the first tick.
    await app.start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on every platform / thread
            loop.add_signal_handler(signum, stopping.set)
    try:
        await stopping.wait()
        log.info("stopping: finishing work in flight")
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
        await app.stop()
        await runner.cleanup()
