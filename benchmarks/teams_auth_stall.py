"""/healthz latency while junk Bot Framework tokens arrive and the signing-key endpoint hangs (issue #9).

`learnbot serve` runs as its own process with MICROSOFT_APP_ID set and TEAMS_OPENID_METADATA_URL pointing at a
port on 127.0.0.1 that accepts connections and never answers. This script first probes /healthz alone (the
baseline), then again while sending junk bearer tokens (well-formed RS256 JWTs from an unknown signer, garbage,
alg=none) at a fixed concurrency. It prints p50/p99 for both phases, the ratio, and how many junk requests got 401.
Target: every junk request 401, p99 under 100 ms during the attack. botbuilder's own validation fetched keys with
a blocking call on the event loop and stalled every request (this probe included) for the whole fetch.

    .venv/bin/python benchmarks/teams_auth_stall.py [--junk 200] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "00000000-1111-2222-3333-444444444444"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def blackhole() -> tuple[asyncio.Server, str]:
    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/v1/.well-known/openidconfiguration"


def junk_tokens(count: int, service_url: str) -> list[str]:
    signer = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": service_url, "exp": now + 600}
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"k"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    tokens = []
    for n in range(count):
        if n % 5 == 3:
            tokens.append(f"garbage-{n}")
        elif n % 5 == 4:
            tokens.append(f"{none_header}.{body}.")
        else:
            tokens.append(jwt.encode(claims, signer, algorithm="RS256", headers={"kid": f"key-{n % 4}"}))
    return tokens


async def probe(session: aiohttp.ClientSession, url: str, until: asyncio.Event, latencies: list[float]) -> None:
    while not until.is_set():
        started = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
            assert response.status == 200, response.status
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)


def summary(name: str, latencies: list[float]) -> float:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    print(f"{name:<22} p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   n={len(ordered)}")
    return p99


async def main(junk: int, concurrency: int) -> None:
    hole, metadata_url = await blackhole()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        environment = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "TEAMS_"))},
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bench.db",
            "MICROSOFT_APP_ID": APP_ID,
            "MICROSOFT_APP_PASSWORD": "not-a-secret",
            "TEAMS_OPENID_METADATA_URL": metadata_url,
            "LOG_LEVEL": "WARNING",
        }
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "adapters.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
            cwd=folder, env=environment, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            async with aiohttp.ClientSession() as session:
                for _ in range(300):
                    try:
                        async with session.get(f"{base}/healthz") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.1)
                done = asyncio.Event()
                baseline: list[float] = []
                prober = asyncio.create_task(probe(session, f"{base}/healthz", done, baseline))
                await asyncio.sleep(3)
                done.set()
                await prober

                service_url = "https://smba.trafficmanager.net/teams/"
                activity = {
                    "type": "message",
                    "serviceUrl": service_url,
                    "channelId": "msteams",
                    "from": {"id": "29:1x"},
                    "conversation": {"id": "a:1x", "conversationType": "personal"},
                    "recipient": {"id": "28:bot"},
                    "text": "help",
                }
                during: list[float] = []
                done = asyncio.Event()
                prober = asyncio.create_task(probe(session, f"{base}/healthz", done, during))
                gate = asyncio.Semaphore(concurrency)

                async def attack(token: str) -> int:
                    async with (
                        gate,
                        session.post(
                            f"{base}/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
                        ) as response,
                    ):
                        await response.read()
                        return response.status

                started = time.perf_counter()
                statuses = await asyncio.gather(*(attack(token) for token in junk_tokens(junk, service_url)))
                elapsed = time.perf_counter() - started
                done.set()
                await prober
        finally:
            server.terminate()
            await server.wait()
            hole.close()
    base_p99 = summary("/healthz alone", baseline)
    attack_p99 = summary("/healthz under attack", during)
    refused = sum(1 for status in statuses if status == 401)
    print(
        f"junk requests answered 401: {refused}/{junk} in {elapsed:.1f} s (the first waits for the 5 s fetch timeout)"
    )
    print(f"ratio p99 under attack / alone: {attack_p99 / base_p99:.2f}; p99 under attack {attack_p99 * 1000:.1f} ms")
    print(f"target: all 401 and p99 < 100 ms -> {'met' if refused == junk and attack_p99 < 0.1 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junk", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    options = parser.parse_args()
    asyncio.run(main(options.junk, options.concurrency))
