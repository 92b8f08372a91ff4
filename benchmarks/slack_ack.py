"""Ack latency of Slack slash commands: learnbot vs a bare Bolt AsyncApp that only acks, in the same run.

500 signed `/learned …` commands at 50 concurrent against each server on 127.0.0.1, with a fake Slack Web API
on loopback for the calls made after the ack. Prints p50/p99 per server and learnbot's ratio (target ≤ 1.5).
Everything (load, servers, fake Slack, learnbot's turns after the ack) shares one event loop and the machine's
cores, so figures move with other load; compare ratios from the same run only. A second bare Bolt with
process_before_response=True is printed for reference, since learnbot acks that way.

    .venv/bin/python benchmarks/slack_ack.py [--requests 500] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.app import build_app
from adapters.slack.platform import slack_platform
from adapters.web import build_web_app
from bot.settings import Settings
from tests.slack.fake_slack import FakeSlack

SECRET = "bench-signing-secret"


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def bare_bolt(api_url: str, *, inline: bool = False) -> web.Application:
    """Bolt that only acks: Bolt's defaults, or (`inline`) with process_before_response as learnbot uses it."""
    bolt = AsyncApp(
        client=AsyncWebClient(token="xoxb-bench", base_url=api_url),
        signing_secret=SECRET,
        process_before_response=inline,
    )

    @bolt.command(re.compile(".*"))
    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


async def start(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/slack/events"


async def hammer(url: str, response_url: str, requests: int, concurrency: int) -> list[float]:
    latencies: list[float] = []
    queue = iter(range(requests))
    failures = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        for n in queue:
            body = urlencode(
                {
                    "team_id": "T1",
                    "channel_id": "C1",
                    "channel_name": "general",
                    "user_id": f"U{n % 40}",
                    "user_name": "bench",
                    "command": "/learned",
                    "text": f"benchmark entry {n} #bench",
                    "response_url": response_url,
                    "trigger_id": f"t{n}",
                }
            )
            started = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=signed(body)) as response:
                await response.read()
                failures += response.status != 200
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(trust_env=False) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    if failures:
        raise SystemExit(f"{failures} requests did not get 200")
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main(requests: int, concurrency: int) -> None:
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(proxy, None)
    fake = FakeSlack()
    await fake.start()
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=f"sqlite+aiosqlite:///{directory}/bench.db",
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SECRET,
            slack_api_url=fake.url,
            log_level="WARNING",
        )
        app = build_app(settings)
        await app.prepare_database()
        web_app, _ = await build_web_app(app, [slack_platform()])
        learnbot_runner, learnbot_url = await start(web_app)
        bolt_runner, bolt_url = await start(bare_bolt(fake.url))
        inline_runner, inline_url = await start(bare_bolt(fake.url, inline=True))
        try:
            results = {}
            rounds = (("bare Bolt", bolt_url), ("bare Bolt inline", inline_url), ("learnbot", learnbot_url))
            for name, url in rounds:
                await hammer(url, fake.response_url(), 20, 5)  # warm up (auth.test, connections, caches)
                results[name] = await hammer(url, fake.response_url(), requests, concurrency)
                # Let learnbot finish the work it does after acking before the next round.
                await asyncio.sleep(0.5)
            for name, values in results.items():
                p50, p99 = percentile(values, 50) * 1000, percentile(values, 99) * 1000
                mean = statistics.mean(values) * 1000
                print(f"{name:16} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   mean {mean:6.1f} ms   n={len(values)}")
            for p in (50, 99):
                ratio = percentile(results["learnbot"], p) / percentile(results["bare Bolt"], p)
                print(f"ratio p{p} learnbot / bare Bolt: {ratio:.2f} (target <= 1.5)")
            # learnbot acks inline (no 10 ms ack polling); this line shows what is left once that is equal.
            for p in (50, 99):
                ratio = percentile(results["learnbot"], p) / percentile(results["bare Bolt inline"], p)
                print(f"ratio p{p} learnbot / bare Bolt inline: {ratio:.2f} (for reference)")
        finally:
            await learnbot_runner.cleanup()
            await bolt_runner.cleanup()
            await inline_runner.cleanup()
            await app.close()
            await fake.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.concurrency))
