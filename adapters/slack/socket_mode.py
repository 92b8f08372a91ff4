"""Socket Mode: Slack pushes requests over a websocket that learnbot opens, so no public URL is needed.

Bolt's AsyncSocketModeHandler (slack_sdk's aiohttp client) does the work; it asks `apps.connections.open` at
SLACK_API_URL for the websocket URL, acks each envelope once Bolt's listener called `ack()`, and reconnects.
Each envelope is counted in /metrics like an HTTP request (platform "slack", Bolt's status), so an operator sees
the same inbound figures whichever way Slack reaches us.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.request import SocketModeRequest

from adapters.web import HalfConfigured
from bot.log_context import bound
from bot.metrics import Metrics

log = logging.getLogger(__name__)


class CountedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's handler, with each envelope counted by Bolt's status and its log lines bound to the envelope id."""

    def __init__(self, bolt: AsyncApp, app_token: str, metrics: Metrics) -> None:
        super().__init__(bolt, app_token)
        self._metrics = metrics

    async def handle(self, client: Any, req: SocketModeRequest) -> None:
        counter = self._metrics.inbound_requests
        with bound(request_id=(req.envelope_id or uuid.uuid4().hex)[:64]):
            try:
                response = await run_async_bolt_app(self.app, req)
            except Exception:
                counter.labels("slack", "500").inc()
                self._metrics.handler_errors.labels("slack").inc()
                raise
            counter.labels("slack", str(response.status)).inc()
            await send_async_response(client, req, response, time.time())


async def connect(bolt: AsyncApp, app_token: str, metrics: Metrics) -> AsyncSocketModeHandler:
    """Open the Socket Mode connection; a token Slack refuses stops the start with HalfConfigured."""
    handler = CountedSocketModeHandler(bolt, app_token, metrics)
    try:
        # Ask for the URL once ourselves: slack_sdk's connect loop retries a refused token forever, and
        # `learnbot serve` would hang without saying why.
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
    except SlackApiError as error:
        await handler.close_async()  # type: ignore[no-untyped-call]
        code = error.response.get("error", "unknown_error")
        raise HalfConfigured(
            f"SLACK_APP_TOKEN was refused by apps.connections.open ({code}); it must be an app-level token "
            "(xapp-…) with the connections:write scope"
        ) from error
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("slack: connected in Socket Mode")
    return handler
