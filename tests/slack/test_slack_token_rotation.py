"""Token rotation with two replicas on one PostgreSQL database: exactly one refreshes, both use the new token."""

from __future__ import annotations

import asyncio
import time

import pytest
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

from adapters.slack.tokens import InstalledTokens, RefreshLock, rotator
from bot.db.engine import create_engine
from tests.conftest import on_postgres
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET
from tests.slack.fake_slack import FakeSlack

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="replicas share a database on PostgreSQL; SQLite serves one process"
)


async def test_two_replicas_refresh_an_expiring_token_once(database_url: str, fake_slack: FakeSlack) -> None:
    fake_slack.refreshes["xoxe-1-first"] = {
        "access_token": "xoxe.xoxb-new",
        "refresh_token": "xoxe-1-second",
        "expires_in": 43200,
        "token_type": "bot",
        "team": {"id": "T9", "name": "Nine"},
        "bot_user_id": "UBOT9",
        "app_id": "A111",
    }
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        stores = [AsyncSQLAlchemyInstallationStore(CLIENT_ID, engine) for engine in engines]
        await stores[0].async_save_bot(
            Bot(
                app_id="A111",
                enterprise_id=None,
                team_id="T9",
                bot_token="xoxe.xoxb-old",
                bot_id="B9",
                bot_user_id="UBOT9",
                bot_scopes="commands,chat:write",
                bot_refresh_token="xoxe-1-first",
                bot_token_expires_at=int(time.time()) + 60,  # inside the two hours before expiry
                installed_at=time.time(),
            )
        )
        replicas = [
            InstalledTokens(store, rotator(CLIENT_ID, CLIENT_SECRET, fake_slack.url), RefreshLock(engine))
            for store, engine in zip(stores, engines, strict=True)
        ]
        # Both replicas handle a burst of turns of the same workspace at once.
        tokens = await asyncio.gather(*(replica.bot_token("T9") for replica in replicas for _ in range(5)))
    finally:
        for engine in engines:
            await engine.dispose()
    refreshes = [args for args in fake_slack.of("oauth.v2.access") if args.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1
    assert set(tokens) == {"xoxe.xoxb-new"}
