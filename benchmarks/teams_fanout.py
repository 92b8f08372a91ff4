"""Proactive fan-out through the Teams adapter vs a bare botframework-connector loop.

Sends N proactive messages (one per 1:1 conversation) to a fake Bot Connector on 127.0.0.1 that answers after
a fixed latency, once through `TeamsAdapter.send` (continue_conversation, pacing bookkeeping, retry wrapper)
and once through a bare `ConnectorClient.conversations.send_to_conversation` loop sending the same Adaptive Card
payload, both with the same concurrency. Prints both times and their ratio (target <= 1.3).

Pacing is set far above the run's throughput so the ratio measures the adapter's own cost; with Teams' real
limit of about 30 messages per second per tenant, 2,000 members of one tenant take at least 67 s by design.

    python benchmarks/teams_fanout.py [--messages 2000] [--concurrency 16] [--latency-ms 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from aiohttp import web
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from adapters.teams.adapter import TeamsAdapter, TeamsConfig
from adapters.teams.cards import render
from bot.model import ConversationKind, ConversationRef, OutboundMessage

TENANT = "tenant-bench"


async def start_connector(latency: float) -> tuple[web.AppRunner, str, list[str]]:
    received: list[str] = []

    async def send(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(latency)
        received.append(request.match_info["conversation"])
        return web.json_response({"id": f"a{len(received)}"}, status=201)

    app = web.Application()
    app.router.add_post("/v3/conversations/{conversation}/activities", send)
    app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", send)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/", received


def reference(service_url: str, index: int) -> ConversationRef:
    conversation_id = f"a:direct-{index}"
    raw = {
        "channelId": "msteams",
        "serviceUrl": service_url,
        "bot": {"id": "28:bench-bot", "name": "learnbot"},
        "user": {"id": f"29:member-{index}"},
        "conversation": {"id": conversation_id, "conversationType": "personal", "tenantId": TENANT},
    }
    return ConversationRef("teams", TENANT, conversation_id, ConversationKind.DIRECT, raw=raw)


async def bounded(count: int, concurrency: int, send: object) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> None:
        async with gate:
            await send(index)  # type: ignore[operator]

    started = time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(count)))
    return time.perf_counter() - started


async def run(messages: int, concurrency: int, latency: float, rounds: int = 2) -> None:
    runner, service_url, received = await start_connector(latency)
    try:
        client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url=service_url)

        async def bare(index: int) -> None:
            # The same wire payload as the adapter sends (the message's Adaptive Card), built per message.
            activity = Activity().deserialize(render(OutboundMessage.plain(f"Time to reflect ({index})"))[0])
            await client.conversations.send_to_conversation(f"a:direct-{index}", activity)

        adapter = TeamsAdapter(TeamsConfig(conversation_rate=1e9, tenant_rate=1e9))
        references = [reference(service_url, index) for index in range(messages)]

        async def through_adapter(index: int) -> None:
            await adapter.send(references[index], OutboundMessage.plain(f"Time to reflect ({index})"))

        await bounded(20, concurrency, bare)  # warm up both paths (thread pool, imports, connections)
        await bounded(20, concurrency, through_adapter)
        received.clear()
        # Alternate the two and keep each one's best round: the machine is shared, and noise only adds time.
        bare_rounds, adapter_rounds = [], []
        for _ in range(rounds):
            bare_rounds.append(await bounded(messages, concurrency, bare))
            adapter_rounds.append(await bounded(messages, concurrency, through_adapter))
        bare_seconds, adapter_seconds = min(bare_rounds), min(adapter_rounds)
        expected = 2 * messages * rounds
        assert len(received) == expected, f"the connector received {len(received)} of {expected}"
    finally:
        await runner.cleanup()
    print(f"messages: {messages}  concurrency: {concurrency}  latency: {latency * 1000:.0f} ms  rounds: {rounds}")
    print(f"bare botframework-connector loop: {bare_seconds:.2f} s ({messages / bare_seconds:.0f} msg/s)")
    print(f"TeamsAdapter.send:                {adapter_seconds:.2f} s ({messages / adapter_seconds:.0f} msg/s)")
    print(f"ratio adapter / bare: {adapter_seconds / bare_seconds:.2f} (target <= 1.3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency-ms", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is compared")
    args = parser.parse_args()
    asyncio.run(run(args.messages, args.concurrency, args.latency_ms / 1000, args.rounds))


if __name__ == "__main__":
    main()
