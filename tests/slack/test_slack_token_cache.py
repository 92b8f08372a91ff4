"""OAuth bot tokens in a fan-out: read from the installation store once, not once per message; a token Slack
refuses is read again and the call retried once with the token the store now holds (a reinstall meanwhile), and
a token that is still the stored one fails as before."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.tokens import InstalledTokens, RefreshLock, rotator
from adapters.slack.transport import SlackAdapter
from bot.db.engine import create_engine
from bot.model import ConversationKind, ConversationRef, OutboundMessage
from bot.ports import DeliveryError
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET
from tests.slack.fake_slack import FakeSlack

DM = ConversationRef("slack", "T9", "D123", ConversationKind.DIRECT)


class CountingStore(AsyncSQLAlchemyInstallationStore):
    """The real store on our database, counting its bot lookups."""

    finds = 0

    async def async_find_bot(self, **query: object) -> Bot | None:  # type: ignore[override]
        self.finds += 1
        return await super().async_find_bot(**query)  # type: ignore[arg-type]


def bot(token: str) -> Bot:
    return Bot(
        app_id="A111",
        enterprise_id=None,
        team_id="T9",
        bot_token=token,
        bot_id="B9",
        bot_user_id="UBOT9",
        bot_scopes="commands,chat:write",
        installed_at=time.time(),
    )


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


def adapter_for(engine: AsyncEngine, fake_slack: FakeSlack, store: CountingStore) -> SlackAdapter:
    tokens = InstalledTokens(store, rotator(CLIENT_ID, CLIENT_SECRET, fake_slack.url), RefreshLock(engine))
    return SlackAdapter(tokens, fake_slack.url)


async def test_a_fan_out_reads_the_token_once(engine: AsyncEngine, fake_slack: FakeSlack) -> None:
    store = CountingStore(CLIENT_ID, engine)
    await store.async_save_bot(bot("xoxb-one"))
    adapter = adapter_for(engine, fake_slack, store)
    try:
        for number in range(20):
            await adapter.send(DM, OutboundMessage.plain(f"prompt {number}"))
    finally:
        await adapter.stop()
    assert fake_slack.tokens("chat.postMessage") == ["Bearer xoxb-one"] * 20
    assert store.finds == 1


async def test_a_refused_token_is_read_again_and_the_call_retried_once(
    engine: AsyncEngine, fake_slack: FakeSlack
) -> None:
    store = CountingStore(CLIENT_ID, engine)
    await store.async_save_bot(bot("xoxb-old"))
    adapter = adapter_for(engine, fake_slack, store)
    try:
        await adapter.send(DM, OutboundMessage.plain("first"))
        await store.async_save_bot(bot("xoxb-new"))  # reinstalled; this replica still holds the old token
        fake_slack.failures["chat.postMessage"] = [(200, "invalid_auth")]
        await adapter.send(DM, OutboundMessage.plain("second"))
        # Refused with the token the store holds: no second retry, the delivery fails for good.
        fake_slack.failures["chat.postMessage"] = [(200, "invalid_auth"), (200, "invalid_auth")]
        with pytest.raises(DeliveryError) as refused:
            await adapter.send(DM, OutboundMessage.plain("third"))
    finally:
        await adapter.stop()
    assert refused.value.permanent and refused.value.reason == "chat.postMessage: invalid_auth"
    assert fake_slack.tokens("chat.postMessage") == [
        "Bearer xoxb-old",
        "Bearer xoxb-old",  # refused: forgotten, read again
        "Bearer xoxb-new",
        "Bearer xoxb-new",  # refused, and it is the stored token
    ]
    assert [args["text"] for args in fake_slack.of("chat.postMessage")][-2:] == ["second", "third"]
