"""Slack as a `learnbot serve` platform: settings check, Bolt app, routes on our aiohttp app, Socket Mode."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urljoin

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.app import App
from adapters.slack import request_checks
from adapters.slack.backlog import Backlog
from adapters.slack.install_pages import install_pages
from adapters.slack.listeners import SlackListeners
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.pending_forms import PendingForms
from adapters.slack.roster import SlackRoster
from adapters.slack.socket_mode import connect as socket_mode_connect
from adapters.slack.tokens import (
    FixedToken,
    InstalledAuthorize,
    InstalledTokens,
    RefreshLock,
    TokenSource,
    rotator,
)
from adapters.slack.transport import SlackAdapter
from adapters.web import HalfConfigured, PlatformState, WebPlatform
from bot.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
BACKLOG_KEY = web.AppKey("slack_backlog", Backlog)
# Our listeners only ack and queue (adapters/slack/backlog.py), so Bolt may run them inline and answer the
# moment they return. Bolt's default runs them as tasks and polls every 10 ms for the ack, which adds up to
# 10 ms to every answer and a task per request.
ACK_INLINE = True
# How long an admin has between /slack/install and approving on Slack.
STATE_SECONDS = 600


def _secret(value: object) -> str | None:
    return value.get_secret_value() if value is not None else None  # type: ignore[attr-defined]


def check(app: App) -> PlatformState:
    """On, off, or half-configured (HalfConfigured) from the SLACK_* settings."""
    s = app.settings
    token, secret, app_token = _secret(s.slack_bot_token), _secret(s.slack_signing_secret), _secret(s.slack_app_token)
    client_id, client_secret = s.slack_client_id, _secret(s.slack_client_secret)
    if not any((token, secret, app_token, client_id, client_secret)):
        return PlatformState("slack", False, "no SLACK_BOT_TOKEN or SLACK_CLIENT_ID set")
    if token and (client_id or client_secret):
        raise HalfConfigured("set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SECRET (OAuth), not both")
    if bool(client_id) != bool(client_secret):
        raise HalfConfigured("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together")
    if not token and not client_id:
        raise HalfConfigured(
            "SLACK_SIGNING_SECRET/SLACK_APP_TOKEN is set but neither SLACK_BOT_TOKEN nor SLACK_CLIENT_ID"
        )
    if not secret and not (app_token and token):
        raise HalfConfigured("SLACK_SIGNING_SECRET is missing (Socket Mode with SLACK_APP_TOKEN needs SLACK_BOT_TOKEN)")
    mode = "Socket Mode" if app_token else f"HTTP at {EVENTS_PATH}"
    install = "one workspace (SLACK_BOT_TOKEN)" if token else f"OAuth for many workspaces at {INSTALL_PATH}"
    return PlatformState("slack", True, f"{install}, {mode}")


def _client(settings: Settings, token: str | None) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )


def build_bolt(app: App, backlog: Backlog) -> tuple[AsyncApp, SlackAdapter]:
    """Bolt app with learnbot's listeners, and the adapter the notifier sends through."""
    s = app.settings
    token, secret = _secret(s.slack_bot_token), _secret(s.slack_signing_secret)
    tokens: TokenSource
    if token:
        bolt = AsyncApp(
            client=_client(s, token),
            signing_secret=secret or "socket-mode",
            process_before_response=ACK_INLINE,
        )
        tokens = FixedToken(token)
    else:
        assert s.slack_client_id and s.slack_client_secret
        client_secret = s.slack_client_secret.get_secret_value()
        installations = AsyncSQLAlchemyInstallationStore(s.slack_client_id, app.engine)
        installed = InstalledTokens(
            installations,
            rotator(s.slack_client_id, client_secret, s.slack_api_url),
            RefreshLock(app.engine),
        )
        oauth = AsyncOAuthSettings(
            client_id=s.slack_client_id,
            client_secret=client_secret,
            scopes=list(BOT_SCOPES),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            # Send the admin straight to Slack; Bolt's own "Add to Slack" page adds a click and nothing else.
            install_page_rendering_enabled=False,
            # GovSlack and tests: the authorize page lives beside the Web API.
            authorization_url=urljoin(s.slack_api_url, "../oauth/v2/authorize"),
            installation_store=installations,
            installation_store_bot_only=True,
            state_store=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=app.engine),
            callback_options=install_pages(app.catalog, s.default_language, STATE_SECONDS // 60, installed.forget),
        )
        bolt = AsyncApp(
            client=_client(s, None),
            signing_secret=secret,
            oauth_settings=oauth,
            # Bolt takes an AsyncAuthorize instance here, though its hint names only plain callables.
            authorize=InstalledAuthorize(installed),  # type: ignore[arg-type]
            process_before_response=ACK_INLINE,
        )
        tokens = installed
    adapter = SlackAdapter(tokens, s.slack_api_url)
    roster = SlackRoster(adapter, app.bot)
    forms = PendingForms(app.sessions, app.clock)
    reactions = app.settings.kudos_reaction_names
    SlackListeners(app.bot, app.bot.commands, adapter, backlog, forms, roster, reactions).register(bolt)
    return bolt, adapter


def to_bolt_request(request: web.Request, body: str) -> AsyncBoltRequest:
    """Bolt's aiohttp seam, plus a fix: Bolt 1.30 treats any form body containing the text "payload" as an
    interactivity payload, so `/learned the payload limit is 40k` would go unhandled. Re-parse such forms.

    This runs before every ack, so the common case (no "payload" anywhere) costs exactly what Bolt's own seam does.
    The body has passed `request_checks.parse`, so Bolt's own parsing of it cannot fail.
    """
    bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers))
    if "payload" in body and not body.startswith("{"):
        form = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" not in form:
            bolt_request.body = form
            bolt_request.context = build_async_context(AsyncBoltContext(), form)
    return bolt_request


def routes(bolt: AsyncApp, signing_secret: str, *, events_over_http: bool = True) -> list[web.RouteDef]:
    """POST /slack/events (unless Socket Mode carries them) and, with OAuth, the install and redirect pages."""

    async def events(request: web.Request) -> web.Response:
        try:
            raw = await request.read()
            request_checks.verify_signature(signing_secret, request.headers, raw, time.time())
            body = request_checks.decode(raw, request.charset)
            request_checks.parse(body, request.content_type)
            bolt_request = to_bolt_request(request, body)
        except request_checks.Refused as refused:
            log.info("slack request refused (%d): %s", refused.status, refused.reason)
            return web.json_response({"error": refused.reason}, status=refused.status)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    table = [web.post(EVENTS_PATH, events)] if events_over_http else []
    flow = bolt.oauth_flow
    if flow is not None:

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_installation(to_bolt_request(request, "")))

        async def redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_callback(to_bolt_request(request, "")))

        table += [web.get(INSTALL_PATH, install), web.get(REDIRECT_PATH, redirect)]
    return table


async def mount(web_app: web.Application, app: App) -> Callable[[], Awaitable[None]]:
    backlog = Backlog(on_error=app.metrics.handler_errors.labels("slack").inc)
    bolt, adapter = build_bolt(app, backlog)
    app_token = _secret(app.settings.slack_app_token)
    socket_mode = None
    if app_token:
        socket_mode = await socket_mode_connect(bolt, app_token, app.metrics)
    # OAuth installs go through the admin's browser, so their pages are served over HTTP even in Socket Mode.
    secret = _secret(app.settings.slack_signing_secret) or ""
    web_app.router.add_routes(routes(bolt, secret, events_over_http=socket_mode is None))
    backlog.start()
    web_app[BACKLOG_KEY] = backlog
    app.notifier.register(adapter)

    async def cleanup() -> None:
        if socket_mode is not None:
            await socket_mode.close_async()  # type: ignore[no-untyped-call]
        await backlog.stop()
        await adapter.stop()

    return cleanup


def slack_platform() -> WebPlatform:
    return WebPlatform("slack", check, mount)
