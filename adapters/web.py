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
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import text

from adapters.app import App
from bot.log_context import bound

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


async def readyz(request: web.Request) -> web.Response:
    """Ready to take traffic: the database answers and its schema is at the code's newest migration."""
    app = request.app[APP_KEY]
    try:
        current, head = await app.migrations_at_head()
    except Exception as error:  # the probe must answer, not crash
        log.warning("readiness check failed: %s", error)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    if current != head:
        body = {"status": "unavailable", "migrations": "behind", "database_revision": current, "code_revision": head}
        return web.json_response(body, status=503)
    return web.json_response({"status": "ok", "migrations": "head", "revision": head})


async def metrics(request: web.Request) -> web.Response:
    body, content_type = request.app[APP_KEY].metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


# Which platform a path belongs to, for the inbound request counter (first matching prefix wins).
_PLATFORM_PATHS = (("/slack/", "slack"), ("/api/messages", "teams"))


def _platform_of(path: str) -> str:
    return next((name for prefix, name in _PLATFORM_PATHS if path.startswith(prefix)), "http")


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every request by platform and status, and bind a request id for its log lines."""
    platform = _platform_of(request.path)
    counter = request.app[APP_KEY].metrics.inbound_requests
    request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]
    with bound(request_id=request_id[:64]):
        try:
            response = await handler(request)
        except web.HTTPException as error:
            counter.labels(platform, str(error.status)).inc()
            raise
        except Exception:
            counter.labels(platform, "500").inc()
            request.app[APP_KEY].metrics.handler_errors.labels(platform).inc()
            raise
    counter.labels(platform, str(response.status)).inc()
    return response


async def build_web_app(app: App, platforms: Sequence[WebPlatform]) -> tuple[web.Application, list[PlatformState]]:
    """The aiohttp application with /healthz and every enabled platform's routes."""
    web_app = web.Application(client_max_size=2 * 1024 * 1024, middlewares=[observe])
    web_app[APP_KEY] = app
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics)
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
        log.warning("no chat platform is configured; only /healthz, /readyz and /metrics are served (see README)")
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
