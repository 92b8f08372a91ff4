"""Where the bot token for a workspace comes from: one fixed token, or OAuth installations with rotation."""

from __future__ import annotations

import logging
from typing import Protocol

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import DeliveryError

log = logging.getLogger(__name__)


class TokenSource(Protocol):
    async def bot_token(self, team_id: str) -> str: ...


class FixedToken:
    """Single-workspace install: SLACK_BOT_TOKEN serves every team id the app sees."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def bot_token(self, team_id: str) -> str:
        return self._token


class InstalledTokens:
    """Multi-workspace install: the newest bot token saved by the OAuth flow, rotated when it nears expiry."""

    def __init__(self, store: AsyncInstallationStore, client_id: str, client_secret: str, api_url: str) -> None:
        self._store = store
        self._rotator = AsyncTokenRotator(
            client_id=client_id, client_secret=client_secret, client=AsyncWebClient(base_url=api_url)
        )

    async def bot_token(self, team_id: str) -> str:
        bot = await self._store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            # The workspace uninstalled the app or never installed it: retrying cannot help.
            raise DeliveryError(f"learnbot is not installed in Slack workspace {team_id}", permanent=True)
        if bot.bot_refresh_token:
            rotated = await self._rotator.perform_bot_token_rotation(bot=bot)
            if rotated is not None:
                log.info("rotated the bot token of Slack workspace %s", team_id)
                await self._store.async_save_bot(rotated)
                bot = rotated
        return str(bot.bot_token)
