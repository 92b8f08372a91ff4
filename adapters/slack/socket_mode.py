"""Socket Mode: Slack pushes requests over a websocket that learnbot opens, so no public URL is needed.

Bolt's AsyncSocketModeHandler (slack_sdk's aiohttp client) does the work; it asks `apps.connections.open` at
SLACK_API_URL for the websocket URL, acks each envelope once Bolt's listener called `ack()`, and reconnects.
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.web import HalfConfigured

log = logging.getLogger(__name__)


async def connect(bolt: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    """Open the Socket Mode connection; a token Slack refuses stops the start with HalfConfigured."""
    handler = AsyncSocketModeHandler(bolt, app_token)
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
