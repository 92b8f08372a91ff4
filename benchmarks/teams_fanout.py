"""Proactive fan-out through the Teams adapter vs a bare botframework-connector loop.

Sends N proactive messages (one per 1:1 conversation) to a fake Bot Connector that answers after a fixed latency,
once through `TeamsAdapter.send` (stored reference rebuilt, continue_conversation, pacing bookkeeping, retry
wrapper) and once through a bare loop over one reused `ConnectorClient.conversations.send_to_conversation`, both
at the same concurrency. Prints every round, both best times and their ratio (target <= 1.3).

What keeps the comparison fair:
- Both sides put the same bytes on the wire: the message's Adaptive Card activity addressed like a proactive
  message (from, recipient, conversation, channelId, serviceUrl). The warm-up records both sides' bodies for the
  same conversations and the run stops if they differ.
- Both warm up (thread pool, connections) before timing; rounds alternate which side goes first; each side's
  best round is compared (the machine is shared, and noise only adds time); all rounds are printed.
- The bare loop reuses one client, as the adapter reuses its connector clients across turns.
- The fake connector runs in its own process, so its HTTP work does not share the measured event loop.

Pacing is set far above the run's throughput so the ratio measures the adapter's own cost; with Teams' real
limit of about 30 messages per second per tenant, 2,000 members of one tenant take at least 67 s by design.

    python benchmarks/teams_fanout.py [--messages 2000] [--concurrency 16] [--latency-ms 2] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from adapters.teams.adapter import TeamsAdapter, TeamsConfig
from adapters.teams.cards import render
from bot.model import ConversationKind, ConversationRef, OutboundMessage

TENANT = "tenant-bench"
BOT = {"id": "28:bench-bot", "name": "learnbot"}
CONNECTOR_LIFETIME = 300.0  # the fake connector stops by itself even if this script is killed


async def serve_connector(latency: float, ready: Connection) -> None:
    """A fake Bot Connector: answers each send after `latency`, counts them, records bodies while asked to."""
    state: dict[str, Any] = {"received": 0, "record": True, "bodies": []}

    async def send(request: web.Request) -> web.Response:
        body = await request.read()
        await asyncio.sleep(latency)
        state["received"] += 1
        if state["record"]:
            state["bodies"].append(body.decode())
        return web.json_response({"id": f"a{state['received']}"}, status=201)

    async def report(request: web.Request) -> web.Response:
        answer = {"received": state["received"], "bodies": state["bodies"]}
        if request.query.get("reset"):
            state.update(received=0, record=False, bodies=[])
        return web.json_response(answer)

    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", send)
    app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", send)
    app.router.add_get("/_report", report)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    ready.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    try:
        await asyncio.sleep(CONNECTOR_LIFETIME)
    finally:
        await runner.cleanup()


def connector_process(latency: float, ready: Connection) -> None:
    asyncio.run(serve_connector(latency, ready))


def reference(service_url: str, index: int) -> ConversationRef:
    """A member's 1:1 chat as the install path stores it (adapters/teams/translate.py `reference`)."""
    conversation_id = f"a:direct-{index}"
    raw = {
        "channelId": "msteams",
        "serviceUrl": service_url,
        "bot": BOT,
        "user": {"id": f"29:member-{index}"},
        "conversation": {
            "id": conversation_id,
            "conversationType": "personal",
            "isGroup": False,
            "tenantId": TENANT,
        },
    }
    return ConversationRef("teams", TENANT, conversation_id, ConversationKind.DIRECT, raw=raw)


def message(index: int) -> OutboundMessage:
    return OutboundMessage.plain(f"Time to reflect ({index})")


async def bounded(count: int, concurrency: int, send: Callable[[int], Awaitable[None]]) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> None:
        async with gate:
            await send(index)

    started = time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(count)))
    return time.perf_counter() - started


async def report(session: aiohttp.ClientSession, service_url: str, reset: bool = False) -> dict[str, Any]:
    async with session.get(f"{service_url}_report", params={"reset": "1"} if reset else {}) as response:
        answer: dict[str, Any] = await response.json()
        return answer


async def run(messages: int, concurrency: int, rounds: int, service_url: str) -> tuple[list[float], list[float]]:
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url=service_url)
    bot = ChannelAccount(id=BOT["id"], name=BOT["name"])

    async def bare(index: int) -> None:
        # What an SDK user writes for a proactive message: the card activity, addressed to the member's chat.
        activity = Activity().deserialize(render(message(index))[0])
        activity.channel_id = "msteams"
        activity.service_url = service_url
        activity.from_property = bot
        activity.recipient = ChannelAccount(id=f"29:member-{index}")
        activity.conversation = ConversationAccount(
            id=f"a:direct-{index}", conversation_type="personal", is_group=False
        )
        await client.conversations.send_to_conversation(activity.conversation.id, activity)

    adapter = TeamsAdapter(TeamsConfig(conversation_rate=1e9, tenant_rate=1e9))
    references = [reference(service_url, index) for index in range(messages)]

    async def through_adapter(index: int) -> None:
        await adapter.send(references[index], message(index))

    sides = {"bare": bare, "adapter": through_adapter}
    async with aiohttp.ClientSession() as session:
        warm = 50
        await bounded(warm, concurrency, bare)  # warm up both paths (thread pool, imports, connections)
        await bounded(warm, concurrency, through_adapter)
        bodies = (await report(session, service_url, reset=True))["bodies"]
        assert sorted(bodies[:warm]) == sorted(bodies[warm:]), "the two sides sent different payloads"
        times: dict[str, list[float]] = {"bare": [], "adapter": []}
        for round_ in range(rounds):
            order = ["bare", "adapter"] if round_ % 2 == 0 else ["adapter", "bare"]
            for side in order:
                times[side].append(await bounded(messages, concurrency, sides[side]))
        received = (await report(session, service_url))["received"]
    expected = 2 * messages * rounds
    assert received == expected, f"the connector received {received} of {expected}"
    return times["bare"], times["adapter"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds; the best of each is compared")
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    ready, announce = context.Pipe(duplex=False)
    connector = context.Process(target=connector_process, args=(args.latency_ms / 1000, announce), daemon=True)
    connector.start()
    try:
        if not ready.poll(30):
            raise SystemExit("the fake connector did not start")
        service_url = f"http://127.0.0.1:{ready.recv()}/"
        bare, adapter = asyncio.run(run(args.messages, args.concurrency, args.rounds, service_url))
    finally:
        connector.terminate()
        connector.join(5)

    def seconds(times: list[float]) -> str:
        return " ".join(f"{value:.2f}" for value in times)

    best_bare, best_adapter = min(bare), min(adapter)
    print(f"messages: {args.messages}  concurrency: {args.concurrency}  latency: {args.latency_ms:.0f} ms")
    print("pacing raised to 1e9/s per conversation and tenant (Teams: ~7/s and ~30/s): this measures overhead only")
    print(f"bare botframework-connector loop, rounds (s): {seconds(bare)}")
    print(f"TeamsAdapter.send, rounds (s):                {seconds(adapter)}")
    print(f"best: bare {best_bare:.2f} s ({args.messages / best_bare:.0f} msg/s), ", end="")
    print(f"adapter {best_adapter:.2f} s ({args.messages / best_adapter:.0f} msg/s)")
    print(f"median ratio adapter / bare: {statistics.median(adapter) / statistics.median(bare):.2f}")
    print(f"ratio adapter / bare: {best_adapter / best_bare:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
