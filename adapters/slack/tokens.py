"""Where the bot token for a workspace comes from: one fixed token, or OAuth installations with rotation.

With OAuth, Bolt's authorize step and our own Web API calls both go through `InstalledTokens`, so an expiring
token is refreshed in one place, once, against SLACK_API_URL, and saved before use. "Once" holds across replicas:
the refresh runs under a PostgreSQL advisory lock per workspace, and whoever gets the lock second re-reads the
token the first one saved instead of spending the refresh token again (Slack would refuse the stale one).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator
from time import monotonic
from typing import Any, Protocol

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import DeliveryError

log = logging.getLogger(__name__)

# Refresh this long before Slack's expiry (tokens live 12 h), so a token never expires mid-turn.
ROTATE_MINUTES_BEFORE_EXPIRY = 120
# A bot read from the store is used this long without reading it again: a fan-out sends hundreds of messages a
# second per replica, and each read was a database query. A token another replica rotated meanwhile stays valid
# until its own expiry, two hours later; a token Slack refuses is forgotten at once (`forget`).
CACHE_SECONDS = 30.0
# Refresh failures that a retry cannot fix: the workspace must reinstall the app.
_PERMANENT_ROTATION_ERRORS = frozenset({"invalid_refresh_token", "invalid_client_id", "bad_client_secret"})


class TokenSource(Protocol):
    async def bot_token(self, team_id: str) -> str: ...

    def forget(self, team_id: str) -> None:
        """Slack refused the token: read it again next time."""
        ...


class FixedToken:
    """Single-workspace install: SLACK_BOT_TOKEN serves every team id the app sees."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def bot_token(self, team_id: str) -> str:
        return self._token

    def forget(self, team_id: str) -> None:
        return None  # SLACK_BOT_TOKEN is all there is


class RefreshLock:
    """Exclusive per workspace across replicas: a transaction-scoped advisory lock on PostgreSQL. SQLite serves
    one process, whose asyncio lock in InstalledTokens is enough."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @contextlib.asynccontextmanager
    async def held(self, team_id: str) -> AsyncIterator[None]:
        if self._engine.dialect.name != "postgresql":
            yield
            return
        async with self._engine.connect() as connection, connection.begin():
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(team_id)})
            yield  # released when the transaction ends


def _lock_key(team_id: str) -> int:
    digest = hashlib.blake2b(f"learnbot:slack-token:{team_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class InstalledTokens:
    """Multi-workspace install: the newest bot saved by the OAuth flow, rotated when it nears expiry."""

    def __init__(
        self, store: AsyncInstallationStore, rotator: AsyncTokenRotator, lock: RefreshLock | None = None
    ) -> None:
        self._store = store
        self._rotator = rotator
        self._lock = lock
        self._locks: dict[str, asyncio.Lock] = {}
        self._found: dict[str, tuple[float, Bot]] = {}  # team id: (read again after, bot)

    async def bot(self, team_id: str) -> Bot:
        """The workspace's bot installation with a token valid for at least the next two hours."""
        found = self._found.get(team_id)
        if found is not None and found[0] > monotonic() and not _expiring(found[1]):
            return found[1]
        bot = await self._find(team_id)
        if _expiring(bot):
            # Concurrent turns of one workspace wait for a single refresh, and so do other replicas (RefreshLock).
            in_process = self._locks.setdefault(team_id, asyncio.Lock())
            across_replicas = self._lock.held(team_id) if self._lock else contextlib.nullcontext()
            async with in_process, across_replicas:
                bot = await self._find(team_id)  # someone may have refreshed it while we waited
                if _expiring(bot):
                    bot = await self._rotate(team_id, bot)
        self._found[team_id] = (monotonic() + CACHE_SECONDS, bot)
        return bot

    def forget(self, team_id: str) -> None:
        self._found.pop(team_id, None)

    async def _find(self, team_id: str) -> Bot:
        bot = await self._store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            # The workspace uninstalled the app or never installed it: retrying cannot help.
            raise DeliveryError(f"learnbot is not installed in Slack workspace {team_id}", permanent=True)
        return bot

    async def _rotate(self, team_id: str, bot: Bot) -> Bot:
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


def _expiring(bot: Bot) -> bool:
    """Whether the token needs a refresh now (slack_sdk's rotator applies the same rule)."""
    if not bot.bot_refresh_token or bot.bot_token_expires_at is None:
        return False
    return int(bot.bot_token_expires_at) <= time.time() + ROTATE_MINUTES_BEFORE_EXPIRY * 60


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
