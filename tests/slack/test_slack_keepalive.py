"""The Slack adapter keeps its connections to the Web API alive: a fan-out of DMs is one TCP connection (per
concurrent call), not one connection and handshake per message; `stop` closes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from adapters.slack.tokens import FixedToken
from adapters.slack.transport import SlackAdapter
from bot.model import ConversationKind, ConversationRef, OutboundMessage
from tests.slack.fake_slack import FakeSlack


@dataclass
class PeerNoting(FakeSlack):
    """Notes the client's address and port of every Web API call."""

    peers: list[object] = field(default_factory=list)

    async def _api(self, request: web.Request) -> web.Response:
        assert request.transport is not None
        self.peers.append(request.transport.get_extra_info("peername"))
        return await super()._api(request)


async def test_one_connection_carries_a_fan_out() -> None:
    api = PeerNoting()
    await api.start()
    adapter = SlackAdapter(FixedToken("xoxb-1"), api.url)
    try:
        for number in range(10):
            where = ConversationRef("slack", "T1", f"D{number}", ConversationKind.DIRECT)
            await adapter.send(where, OutboundMessage.plain(f"prompt {number}"))
    finally:
        await adapter.stop()
        await api.close()
    assert len(api.of("chat.postMessage")) == 10
    assert len(set(api.peers)) == 1
