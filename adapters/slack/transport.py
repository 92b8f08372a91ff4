"""The Slack ChatAdapter: neutral sends become Web API calls, Slack errors become DeliveryError."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack import render, translate
from adapters.slack.tokens import TokenSource
from adapters.slack.translate import PLATFORM
from bot.model import ConversationKind, ConversationRef, OutboundFile, OutboundMessage, Profile, SentRef, UserRef
from bot.ports import Capabilities, DeliveryError, RateLimited

log = logging.getLogger(__name__)

# Errors after which the same call can never succeed: the scheduler must drop, not retry.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "team_access_not_granted",
        "restricted_action",
        "msg_too_long",
        "invalid_blocks",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
    }
)


# The token itself was refused: a cached one may be stale (rotated or reinstalled), so read it again and retry once.
_TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired"})

_JSON_METHODS = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "views.publish", "views.update"}
)


class SlackAdapter:
    """Implements bot.ports.ChatAdapter for Slack.

    `send` and friends (proactive paths) do not retry on 429: they raise RateLimited so the caller can
    reschedule. `replying()` gives the clients used while answering a request, which wait out a 429.
    """

    platform = PLATFORM
    capabilities = Capabilities(max_text_length=40_000)

    def __init__(self, tokens: TokenSource, api_url: str) -> None:
        self._tokens = tokens
        self._api_url = api_url
        self._proactive: dict[str, AsyncWebClient] = {}
        self._replying: dict[str, AsyncWebClient] = {}
        # One HTTP session for every client: its connections to Slack are kept alive between calls (a client
        # without one opens a connection, with a TLS handshake, per call).
        self._http: aiohttp.ClientSession | None = None

    async def stop(self) -> None:
        """Close the kept-alive connections."""
        self._proactive.clear()
        self._replying.clear()
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
            self._proactive.clear()  # their session is gone
            self._replying.clear()
        return self._http

    async def client(self, team_id: str, *, wait_on_rate_limit: bool) -> AsyncWebClient:
        token = await self._tokens.bot_token(team_id)
        session = self._session()
        cache = self._replying if wait_on_rate_limit else self._proactive
        client = cache.get(token)
        if client is None:
            handlers: list[Any] = [AsyncConnectionErrorRetryHandler()]
            if wait_on_rate_limit:
                handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
            client = AsyncWebClient(token=token, base_url=self._api_url, session=session, retry_handlers=handlers)
            if len(cache) > 1000:  # rotated tokens must not pile up
                cache.clear()
            cache[token] = client
        return client

    async def call(
        self, team_id: str, method: str, *, wait_on_rate_limit: bool = False, **arguments: Any
    ) -> AsyncSlackResponse:
        """One Web API call with Slack's errors mapped to the port's exceptions, always logged."""
        arguments = {name: value for name, value in arguments.items() if value is not None}
        retried = False
        while True:
            client = await self.client(team_id, wait_on_rate_limit=wait_on_rate_limit)
            try:
                if method in _JSON_METHODS:
                    return await client.api_call(method, json=arguments)
                # Read methods such as users.info take form parameters only.
                return await client.api_call(method, params=arguments)
            except SlackApiError as error:
                code = str(error.response.get("error", "unknown_error"))
                if error.response.status_code == 429:
                    headers = {name.lower(): value for name, value in error.response.headers.items()}
                    retry_after = float(headers.get("retry-after", 1))
                    log.warning("slack %s rate limited (team %s): retry after %ss", method, team_id, retry_after)
                    # Slack's limits are per workspace and method: pause this workspace, not the others.
                    raise RateLimited(retry_after, f"{method}: ratelimited", scope="tenant") from error
                if code in _TOKEN_ERRORS and not retried:
                    self._tokens.forget(team_id)
                    retried = True
                    if await self._tokens.bot_token(team_id) != client.token:
                        continue  # the store holds another token now: try it
                log.error("slack %s failed (team %s): %s", method, team_id, code)
                raise DeliveryError(f"{method}: {code}", permanent=code in PERMANENT_ERRORS) from error

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        response = await self.call(
            conversation.tenant,
            "chat.postMessage",
            channel=conversation.id,
            thread_ts=message.thread_id,
            **render.message(message),
        )
        return SentRef(conversation, str(response.get("ts")), message.thread_id)

    async def update(self, sent: SentRef, message: OutboundMessage) -> None:
        await self.call(
            sent.conversation.tenant, "chat.update", channel=sent.conversation.id, ts=sent.id, **render.message(message)
        )

    async def send_file(self, conversation: ConversationRef, file: OutboundFile) -> SentRef:
        """Slack's external upload: ask for an upload URL, POST the bytes there, then share it in the channel."""
        ticket = await self.call(
            conversation.tenant, "files.getUploadURLExternal", filename=file.name, length=len(file.content)
        )
        upload_url, file_id = ticket.get("upload_url"), ticket.get("file_id")
        if not isinstance(upload_url, str) or not upload_url.startswith(("https://", "http://")) or not file_id:
            raise DeliveryError("files.getUploadURLExternal: no upload URL", permanent=True)
        try:
            async with self._session().post(upload_url, data=file.content) as response:
                if response.status >= 300:
                    raise DeliveryError(f"file upload: HTTP {response.status}", permanent=response.status < 500)
        except aiohttp.ClientError as error:
            raise DeliveryError(f"file upload: {type(error).__name__}") from error
        await self.call(
            conversation.tenant,
            "files.completeUploadExternal",
            files=json.dumps([{"id": file_id, "title": file.title}]),
            channel_id=conversation.id,
        )
        return SentRef(conversation, file_id)

    async def open_direct(self, user: UserRef) -> ConversationRef:
        response = await self.call(user.tenant, "conversations.open", users=user.id)
        channel = response.get("channel") or {}
        return ConversationRef(PLATFORM, user.tenant, str(channel.get("id")), ConversationKind.DIRECT, name=user.name)

    async def fetch_profile(self, user: UserRef) -> Profile | None:
        response = await self.call(
            user.tenant, "users.info", wait_on_rate_limit=True, user=user.id, include_locale="true"
        )
        return translate.profile(response.get("user") or {})
