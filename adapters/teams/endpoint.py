"""`POST /api/messages` on `learnbot serve`, and when Teams is on.

Teams is on when MICROSOFT_APP_ID is set (every request must then carry a valid Bot Framework JWT), or when
TEAMS_ENABLED=true without an app id: unauthenticated, for local development with Agents Playground only, and
logged loudly. A password or tenant id without an app id, a SingleTenant app without its tenant id, or an app
type we do not know is half-configured and stops the server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from adapters.app import App
from adapters.teams.activity_shape import check_shape
from adapters.teams.adapter import APP_TYPES, TeamsAdapter, TeamsConfig
from adapters.teams.auth import Unauthorized
from adapters.teams.translate import BadActivity, check_activity
from adapters.teams.turns import TeamsTurns, TurnOutcome
from adapters.web import HalfConfigured, PlatformState, WebPlatform
from bot.errors import report
from bot.ports import DeliveryError
from bot.settings import Settings

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
TURNS_KEY = web.AppKey("teams_turns", TeamsTurns)


def teams_state(settings: Settings) -> PlatformState:
    """On, off (and why), or HalfConfigured, from the settings alone."""
    app_id = settings.microsoft_app_id
    if settings.teams_enabled is False:
        return PlatformState("teams", False, "TEAMS_ENABLED=false")
    if not app_id:
        if settings.microsoft_app_password or settings.microsoft_app_tenant_id:
            raise HalfConfigured("MICROSOFT_APP_PASSWORD or MICROSOFT_APP_TENANT_ID is set but MICROSOFT_APP_ID is not")
        if settings.teams_enabled:
            return PlatformState("teams", True, "UNAUTHENTICATED development mode (TEAMS_ENABLED without an app id)")
        return PlatformState("teams", False, "MICROSOFT_APP_ID is not set")
    if settings.microsoft_app_type not in APP_TYPES:
        raise HalfConfigured(f"MICROSOFT_APP_TYPE must be one of {', '.join(APP_TYPES)}")
    if settings.microsoft_app_type == "SingleTenant" and not settings.microsoft_app_tenant_id:
        raise HalfConfigured("MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID")
    if settings.microsoft_app_type != "UserAssignedMSI" and not settings.microsoft_app_password:
        raise HalfConfigured("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not")
    return PlatformState("teams", True, f"app {app_id} ({settings.microsoft_app_type}), JWT required at {ROUTE}")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def messages(request: web.Request) -> web.Response:
    """Bot Framework activities in. 400 for what is not an activity, 401 for a missing or bad token."""
    turns = request.app[TURNS_KEY]
    body = await request.read()  # over the server's limit: aiohttp answers 413
    try:
        raw = check_activity(json.loads(body))
        check_shape(raw)
        activity = Activity().deserialize(raw)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError, BadActivity; deep nesting
        reason = error.args[0] if isinstance(error, BadActivity) else "the body is not JSON"
        return _error(400, f"not a Bot Framework activity: {reason}")
    except Exception as error:  # botbuilder's deserializer raises its own types for wrong field types
        return _error(400, f"not a Bot Framework activity: {error}")
    try:
        auth = await turns.adapter.authenticate(activity, request.headers.get("Authorization", ""))
    except (Unauthorized, PermissionError) as error:  # PermissionError: botbuilder's own checks
        log.info("refused a request to %s: %s", ROUTE, error)
        return _error(401, "unauthorized: a valid Bot Framework token is required")
    outcome = TurnOutcome()

    async def logic(context: TurnContext) -> None:
        await turns.handle(context, raw, outcome)

    try:
        await turns.adapter.process(auth, activity, logic)
    except BadActivity as error:
        return _error(400, f"not a Bot Framework activity: {error}")
    except Exception as error:  # the core answers its own failures; this is ours (the connector, a card)
        reference = report(error, "a Teams turn")
        status = 502 if isinstance(error, DeliveryError) else 500
        return web.json_response({"error": "the turn failed", "reference": reference}, status=status)
    if outcome.body is not None:
        return web.json_response(outcome.body, status=outcome.status)
    return web.Response(status=outcome.status)


def build_turns(app: App, adapter: TeamsAdapter) -> TeamsTurns:
    return TeamsTurns(adapter, app.bot, app.catalog)


async def mount_teams(
    web_app: web.Application, app: App, adapter: TeamsAdapter | None = None
) -> Callable[[], Awaitable[None]]:
    """Add /api/messages and register the Teams adapter for proactive sends."""
    adapter = adapter or TeamsAdapter(TeamsConfig.from_settings(app.settings))
    if not adapter.config.authenticated:
        log.warning(
            "TEAMS IS UNAUTHENTICATED: %s accepts activities from anyone (TEAMS_ENABLED without MICROSOFT_APP_ID). "
            "Use this only for local development with Agents Playground.",
            ROUTE,
        )
    turns = build_turns(app, adapter)
    web_app[TURNS_KEY] = turns
    web_app.router.add_post(ROUTE, messages)
    app.notifier.register(adapter)

    async def cleanup() -> None:
        await turns.drain()
        await adapter.stop()

    return cleanup


def teams_platform() -> WebPlatform:
    async def mount(web_app: web.Application, app: App) -> Callable[[], Awaitable[None]]:
        return await mount_teams(web_app, app)

    return WebPlatform("teams", lambda app: teams_state(app.settings), mount)
