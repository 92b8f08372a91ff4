"""Where the bot token for a workspace comes from: one fixed token, or OAuth installations with rotation.

With OAuth, Bolt's authorize step and our own Web API calls both go through `InstalledTokens`, so an expiring
token is refreshed in one place, once (a lock per workspace), against SLACK_API_URL, and saved before use.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import DeliveryError

log = logging.getLogger(__name__)

# Refresh this long before Slack's expiry (tokens live 12 h), so a token never expires mid-turn.
ROTATE_MINUTES_BEFORE_EXPIRY = 120
# Refresh failures that a retry cannot fix: the workspace must reinstall the app.
_PERMANENT_ROTATION_ERRORS = frozenset({"invalid_refresh_token", "invalid_client_id", "bad_client_secret"})


class TokenSource(Protocol):
    async def bot_token(self, team_id: str) -> str: ...


class FixedToken:
    """Single-workspace install: SLACK_BOT_TOKEN serves every team id the app sees."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def bot_token(self, team_id: str) -> str:
        return self._token


class InstalledTokens:
    """Multi-workspace install: the newest bot saved by the OAuth flow, rotated when it nears expiry."""

    def __init__(self, store: AsyncInstallationStore, rotator: AsyncTokenRotator) -> None:
        self._store = store
        self._rotator = rotator
        self._locks: dict[str, asyncio.Lock] = {}

    async def bot(self, team_id: str) -> Bot:
        """The workspace's bot installation with a token valid for at least the next two hours."""
        # Concurrent turns of one workspace wait for a single refresh instead of each spending the refresh token.
        async with self._locks.setdefault(team_id, asyncio.Lock()):
            bot = await self._store.async_find_bot(enterprise_id=None, team_id=team_id)
            if bot is None or not bot.bot_token:
                # The workspace uninstalled the app or never installed it: retrying cannot help.
                raise DeliveryError(f"learnbot is not installed in Slack workspace {team_id}", permanent=True)
            if not bot.bot_refresh_token:
                return bot
            try:
                rotated = await self._rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE_EXPIRY
                )
            except SlackTokenRotationError as error:
                code = _error_code(error)
                log.error("could not rotate the bot token of Slack workspace %s: %s", team_id, code)
                raise DeliveryError(
                    f"oauth.v2.access (refresh): {code}", permanent=code in _PERMANENT_ROTATION_ERRORS
                ) from error
            if rotated is None:
                return bot
            await self._store.async_save_bot(rotated)
            log.info("rotated the bot token of Slack workspace %s", team_id)
            return rotated

    async def bot_token(self, team_id: str) -> str:
        return str((await self.bot(team_id)).bot_token)


class InstalledAuthorize(AsyncAuthorize):
    """Bolt's authorize step for OAuth installs, answered from our store without a Web API call per request.

    Bolt's stock installation-store authorize calls `auth.test` on every request (a round trip before the ack)
    and rotates tokens with a client that ignores SLACK_API_URL; the stored bot row already holds the ids.
    """

    def __init__(self, tokens: InstalledTokens) -> None:
        self._tokens = tokens

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: Any,
    ) -> AuthorizeResult | None:
        if not team_id:
            return None  # org-wide (Enterprise Grid) installs are not supported yet
        try:
            bot = await self._tokens.bot(team_id)
        except DeliveryError as error:
            log.warning("slack request from workspace %s refused: %s", team_id, error.reason)
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
        )


def rotator(client_id: str, client_secret: str, api_url: str) -> AsyncTokenRotator:
    """Token rotation that calls oauth.v2.access at SLACK_API_URL."""
    return AsyncTokenRotator(client_id=client_id, client_secret=client_secret, client=AsyncWebClient(base_url=api_url))


def _error_code(error: SlackTokenRotationError) -> str:
    cause = error.api_error
    if isinstance(cause, SlackApiError):
        return str(cause.response.get("error", "unknown_error"))
    return "unknown_error"
