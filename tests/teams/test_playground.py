"""learnbot driven through Microsoft 365 Agents Playground (npm @microsoft/m365agentsplayground 0.2.28), a
Teams-like client that sends real Bot Framework activities and hosts its own mock connector.

Runs headless on loopback: the Playground's HTTP API speaks as the user, its websocket shows what the bot posts.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.app import App
from adapters.teams.adapter import TeamsConfig
from adapters.teams.translate import conversation_ref
from tests.teams.conftest import Rig, start_rig, until
from tests.teams.fake_connector import FakeConnector
from tests.teams.node_tools import JS, node_modules

BOT_ID = "00000000-0000-0000-0000-00000000000011"
TENANT = "00000000-0000-0000-0000-0000000000001"
ME = {"id": "user-id-0"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def bot(app: App) -> AsyncIterator[Rig]:
    async for rig in start_rig(app, TeamsConfig(), FakeConnector()):
        yield rig


@pytest.fixture
async def playground(bot: Rig, tmp_path: Path) -> AsyncIterator[str]:
    modules = node_modules()
    shutil.copy(JS / "playground.yml", tmp_path / ".m365agentsplayground.yml")
    port = _free_port()
    endpoint = str(bot.client.make_url("/api/messages"))
    process = await asyncio.create_subprocess_exec(
        shutil.which("node") or "node",
        "-r",
        str(JS / "loopback.js"),
        str(modules / "@microsoft" / "m365agentsplayground" / "cli.js"),
        "start",
        *("-e", endpoint, "-c", "msteams", "--dt", "-p", str(port)),
        *("--service-url", f"http://127.0.0.1:{port}/_connector"),
        cwd=tmp_path,
        env={**os.environ, "TEAMSAPPTESTER_BROWSER": "none"},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 60
            while True:
                try:
                    async with session.get(f"{base}/_debug/ping") as response:
                        if await response.text() == "pong":
                            break
                except aiohttp.ClientError:
                    pass
                if process.returncode is not None or time.monotonic() > deadline:
                    log = tmp_path / "devTools" / "m365agentsplayground.log"
                    raise AssertionError(f"Playground did not start: {log.read_text() if log.exists() else '-'}")
                await asyncio.sleep(0.1)
        yield base
    finally:
        process.terminate()
        await process.wait()


class Screen:
    """What the bot showed in the Playground, from its websocket."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def wait_for(self, action: str, text: str, within: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for event in self.events:
                if event.get("action") == action and text in json.dumps(event, ensure_ascii=False):
                    return event
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {action} with {text!r}; saw {[e.get('action') for e in self.events]}")


async def test_commands_and_card_actions_work_in_agents_playground(bot: Rig, playground: str) -> None:
    screen = Screen()
    async with aiohttp.ClientSession() as session:
        socket_ = await session.ws_connect(f"{playground}/_ws_conversation/v1/conversations/stream")

        async def read() -> None:
            async for message in socket_:
                screen.events.append(json.loads(message.data))

        reader = asyncio.create_task(read())
        try:
            # A command in personal chat.
            said = {"from": ME, "text": "learned The Playground speaks Bot Framework #teams", "textFormat": "plain"}
            async with session.post(
                f"{playground}/_conversation/v1/conversations/personal-chat-id/messages", json=said
            ) as r:
                assert r.status == 200, await r.text()
            saved = await screen.wait_for("createMessage", "Saved to the learning log with #teams")
            card = saved["message"]
            undo = card["attachments"][0]["content"]["body"][-1]["actions"][0]

            # Action.Execute on that card: an adaptiveCard/action invoke; the Playground shows our response.
            invoke = {
                "name": "adaptiveCard/action",
                "value": {"action": {"type": "Action.Execute", "verb": "learning.undo", "data": {"unused": "1"}}},
                "from": ME,
                "conversation": {"id": "personal-chat-id"},
                "replyToId": card["messageId"],
            }
            async with session.post(f"{playground}/_conversation/v1/invoke", json=invoke) as r:
                assert r.status == 200, await r.text()
                assert "Removed from the learning log" in await r.text() or "already gone" in await r.text()

            # Action.Submit on a fresh card: the card is updated in place.
            shown = sum(e.get("action") == "createMessage" for e in screen.events)
            async with session.post(
                f"{playground}/_conversation/v1/conversations/personal-chat-id/messages", json=said
            ):
                pass
            await until(lambda: sum(e.get("action") == "createMessage" for e in screen.events) > shown)
            second = [e for e in screen.events if e.get("action") == "createMessage"][-1]
            assert "Saved to the learning log" in json.dumps(second, ensure_ascii=False)
            undo = second["message"]["attachments"][0]["content"]["body"][-1]["actions"][0]
            submit = {
                "conversation": {"id": "personal-chat-id"},
                "from": ME,
                "replyToId": second["message"]["messageId"],
                "value": undo["data"],
            }
            async with session.post(f"{playground}/_conversation/v1/submit", json=submit) as r:
                assert r.status == 200, await r.text()
            updated = await screen.wait_for("updateMessage", "Removed from the learning log.")
            assert updated["message"]["messageId"] == second["message"]["messageId"]

            # A command in a team channel after the bot's @mention.
            mention = "<at>learnbot</at>"
            said = {
                "from": ME,
                "text": f"{mention} help",
                "textFormat": "plain",
                "mentions": [{"mentioned": {"id": BOT_ID}, "text": mention}],
            }
            async with session.post(f"{playground}/_conversation/v1/conversations/team-id/messages", json=said) as r:
                assert r.status == 200, await r.text()
            await screen.wait_for("createMessage", "learnbot – what I can do")

            # Installing into the team welcomes the channel and records the Playground's roster.
            async with session.post(f"{playground}/_debug/conversation/team-id/installation", json={}) as r:
                assert r.status == 200, await r.text()
            await screen.wait_for("createMessage", "Hello, team!")
            team = conversation_ref(
                {
                    "conversation": {"id": "team-id", "conversationType": "channel", "tenantId": TENANT},
                    "channelData": {"tenant": {"id": TENANT}},
                    "serviceUrl": "unused",
                }
            )
            everyone = {f"user-id-{n}" for n in range(6)}

            async def recorded() -> bool:
                return {member.id for member in await bot.app.membership.members(team)} >= everyone

            await until(recorded, within=15)  # the roster is read after the welcome, within the same turn
            await bot.turns.drain()  # 1:1 chats are opened in the background through the Playground's connector
            for member in await bot.app.membership.members(team):
                direct = await bot.app.membership.direct_conversation(member)
                assert direct is not None, member
        finally:
            reader.cancel()
            await socket_.close()
