"""A fake Slack Socket Mode server on loopback: one websocket, envelopes out, acks in.

The fake Web API answers `apps.connections.open` with this server's ws:// URL; learnbot's Socket Mode client
(slack_sdk's aiohttp client under Bolt's AsyncSocketModeHandler) connects, and the test pushes envelopes.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

JsonObject = dict[str, Any]


@dataclass
class FakeSocketMode:
    acks: list[JsonObject] = field(default_factory=list)
    server: TestServer | None = None
    _socket: web.WebSocketResponse | None = None
    _connected: asyncio.Event = field(default_factory=asyncio.Event)
    _acked: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/link/?ticket=fake-ticket")).replace("http://", "ws://")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._link)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self.server is not None:
            await self.server.close()

    async def wait_connected(self, within: float = 5.0) -> None:
        async with asyncio.timeout(within):
            await self._connected.wait()

    async def send(self, kind: str, payload: JsonObject, **extra: Any) -> str:
        """Push one envelope as Slack does; returns its envelope_id."""
        assert self._socket is not None, "learnbot has not connected"
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload, **extra}
        await self._socket.send_str(json.dumps(envelope))
        return envelope_id

    async def ack_for(self, envelope_id: str, within: float = 5.0) -> JsonObject:
        """Wait until learnbot acknowledged `envelope_id` and return the ack."""
        try:
            async with asyncio.timeout(within):
                while True:
                    found = [ack for ack in self.acks if ack.get("envelope_id") == envelope_id]
                    if found:
                        return found[0]
                    self._acked.clear()
                    await self._acked.wait()
        except TimeoutError:
            raise AssertionError(f"no ack for {envelope_id}; acks seen: {self.acks}") from None

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()  # answers the client's pings itself
        await socket.prepare(request)
        self._socket = socket
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A111"}}
        await socket.send_str(
            json.dumps({**hello, "debug_info": {"host": "fake", "approximate_connection_time": 3600}})
        )
        self._connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
                self._acked.set()
        return socket
