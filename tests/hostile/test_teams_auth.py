"""Teams JWTs are validated against a local issuer on loopback with real RS256 signatures, and validating them
never blocks the event loop: the issuer runs on the same loop as the bot, so a blocking fetch would deadlock."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from adapters.app import App
from adapters.teams.adapter import TeamsConfig
from adapters.teams.auth import SigningKeys, Unauthorized
from tests.hostile.support import row_counts
from tests.teams.conftest import Rig, start_rig
from tests.teams.fake_connector import FakeConnector

APP_ID = "00000000-1111-2222-3333-444444444444"
STALL = 3.0  # the key fetch timeout in the stall test: what a blocking fetch would hold every request up for
ISSUER = "https://api.botframework.com"


@dataclass
class Issuer:
    """OpenID metadata and JWKS on loopback; counts fetches and fails on demand."""

    jwks: list[dict[str, Any]]
    max_age: int = 86_400
    status: int = 200
    metadata_hits: int = 0
    key_hits: int = 0
    server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/v1/.well-known/openidconfiguration"))

    def app(self) -> web.Application:
        async def metadata(request: web.Request) -> web.Response:
            self.metadata_hits += 1
            if self.status != 200:
                return web.Response(status=self.status)
            return web.json_response({"issuer": ISSUER, "jwks_uri": str(request.url.with_path("/keys"))})

        async def keys(request: web.Request) -> web.Response:
            self.key_hits += 1
            headers = {"Cache-Control": f"public, max-age={self.max_age}"}
            return web.json_response({"keys": self.jwks}, headers=headers)

        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", metadata)
        app.router.add_get("/keys", keys)
        return app


@dataclass
class Blackhole:
    """A port that accepts connections and never answers: a key endpoint that is down the slow way."""

    connections: int = 0
    server: asyncio.Server | None = None
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1/.well-known/openidconfiguration"

    async def start(self) -> None:
        async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            self.writers.append(writer)
            await reader.read()  # until the client gives up

        self.server = await asyncio.start_server(swallow, "127.0.0.1", 0)

    async def close(self) -> None:
        for writer in self.writers:
            writer.close()
        assert self.server is not None
        self.server.close()


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    trusted = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(trusted.public_key()))
    jwk = {**public, "kid": "channel-key", "alg": "RS256", "use": "sig", "endorsements": ["msteams"]}
    return {"trusted": trusted, "forger": forger, "jwk": jwk}


@pytest.fixture
async def issuer(keys: dict[str, Any]) -> AsyncIterator[Issuer]:
    issuer = Issuer([keys["jwk"], {"kid": "broken", "kty": "RSA"}])
    issuer.server = TestServer(issuer.app(), host="127.0.0.1")
    await issuer.server.start_server()
    yield issuer
    await issuer.server.close()


@pytest.fixture
async def blackhole() -> AsyncIterator[Blackhole]:
    hole = Blackhole()
    await hole.start()
    yield hole
    await hole.close()


async def _secured(app: App, metadata_url: str, fetch_timeout: float = 5.0) -> AsyncIterator[Rig]:
    config = TeamsConfig(
        app_id=APP_ID, app_password="not-a-secret", openid_metadata_url=metadata_url, key_fetch_timeout=fetch_timeout
    )
    async for rig in start_rig(app, config, FakeConnector()):
        yield rig


@pytest.fixture
async def secured(app: App, issuer: Issuer) -> AsyncIterator[Rig]:
    async for rig in _secured(app, issuer.url):
        yield rig


@pytest.fixture
async def unreachable(app: App, blackhole: Blackhole) -> AsyncIterator[Rig]:
    """Teams with JWTs required and a key endpoint that never answers (fetches time out after 3 s)."""
    async for rig in _secured(app, blackhole.url, fetch_timeout=STALL):
        yield rig


def token(key: Any, service_url: str, **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 10, "exp": now + 600}
    headers = {"kid": changes.pop("kid", "channel-key")}
    algorithm = changes.pop("algorithm", "RS256")
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def _part(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _claims(service_url: str) -> bytes:
    claims = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "exp": int(time.time()) + 600}
    return json.dumps(claims).encode()


def _unsigned(service_url: str) -> str:
    header = json.dumps({"alg": "none", "kid": "channel-key"}).encode()
    return f"{_part(header)}.{_part(_claims(service_url))}."


def _hmac_with_public_key(public_jwk: str, service_url: str) -> str:
    """The algorithm-confusion attack: HS256 keyed with the (public) signing key."""
    header = json.dumps({"alg": "HS256", "kid": "channel-key"}).encode()
    signed = f"{_part(header)}.{_part(_claims(service_url))}"
    digest = hmac.new(public_jwk.encode(), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{_part(digest)}"


async def _post(rig: Rig, bearer: str, **changes: Any) -> int:
    activity = rig.activity("personal_message", **changes)
    response = await rig.post(activity, {"Authorization": f"Bearer {bearer}"})
    response.release()
    return response.status


async def test_a_token_signed_by_the_channel_key_is_accepted_and_keys_are_fetched_once(
    secured: Rig, issuer: Issuer, keys: dict[str, Any]
) -> None:
    for _ in range(5):
        assert await _post(secured, token(keys["trusted"], secured.service_url), type="installationUpdate") == 201
    assert (issuer.metadata_hits, issuer.key_hits) == (1, 1)


@pytest.mark.parametrize(
    "case",
    [
        "wrong key",
        "expired",
        "not yet valid",
        "wrong audience",
        "no audience",
        "wrong issuer",
        "wrong serviceurl",
        "unknown kid",
        "alg none",
        "HS256 with the public key",
        "not endorsed for the channel",
    ],
)
async def test_a_bad_token_gets_401_and_changes_nothing(secured: Rig, keys: dict[str, Any], case: str) -> None:
    url, trusted, now = secured.service_url, keys["trusted"], int(time.time())
    extra: dict[str, Any] = {}
    match case:
        case "wrong key":
            bearer = token(keys["forger"], url)
        case "expired":
            bearer = token(trusted, url, exp=now - 400, nbf=now - 1000)  # past the 5 minutes of leeway
        case "not yet valid":
            bearer = token(trusted, url, nbf=now + 3600, exp=now + 7200)
        case "wrong audience":
            bearer = token(trusted, url, aud="some-other-bot")
        case "no audience":
            bearer = token(trusted, url, aud=None)
        case "wrong issuer":
            bearer = token(trusted, url, iss="https://sts.windows.net/evil/")
        case "wrong serviceurl":
            bearer = token(trusted, "https://evil.example/")
        case "unknown kid":
            bearer = token(trusted, url, kid="another-key")
        case "alg none":
            bearer = _unsigned(url)
        case "HS256 with the public key":
            bearer = _hmac_with_public_key(RSAAlgorithm.to_jwk(trusted.public_key()), url)
        case "not endorsed for the channel":
            bearer = token(trusted, url)
            extra = {"channelId": "webchat"}
    assert await _post(secured, bearer, **extra) == 401
    assert secured.connector.calls == []
    assert sum((await row_counts(secured.app)).values()) == 0


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "Bearer " + "x" * 8_000, "Bearer " + "x" * 20_000],
)
async def test_malformed_authorization_headers_get_401(secured: Rig, authorization: str) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await secured.post(secured.activity("personal_message"), headers)
    # Past aiohttp's 8 KiB header line limit the server itself answers 400 before we see the request.
    assert response.status == (401 if len(authorization) < 8190 else 400)


async def test_junk_tokens_with_the_key_endpoint_unreachable_get_401_and_healthz_stays_fast(
    unreachable: Rig, blackhole: Blackhole, keys: dict[str, Any]
) -> None:
    """The issue's acceptance: 200 junk bearer tokens while the key endpoint hangs; all 401, /healthz fast.

    The first token waits for the key fetch to time out (3 s here) without holding anyone else up; the fetch is
    remembered as failed, so the rest are refused at once. benchmarks/teams_auth_stall.py measures the p99."""
    rig, url = unreachable, unreachable.service_url
    junk = [
        *(token(keys["forger"], url, kid=f"k{n % 3}") for n in range(120)),
        *("Bearer-less garbage " + str(n) for n in range(40)),
        *(_unsigned(url) for _ in range(40)),
    ]
    latencies: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            started = time.perf_counter()
            response = await rig.client.get("/healthz")
            assert response.status == 200
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.005)

    gate = asyncio.Semaphore(20)

    async def attack(bearer: str) -> int:
        async with gate:
            return await _post(rig, bearer)

    prober = asyncio.create_task(probe())
    statuses = await asyncio.gather(*(attack(bearer) for bearer in junk))
    done.set()
    await prober
    assert statuses == [401] * 200
    assert blackhole.connections == 1  # one fetch for everyone, and its failure remembered
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    # A blocked loop would hold /healthz for the whole 3 s fetch. The attacker shares this process and loop and
    # CI shares two cores, so the bound is a third of that; benchmarks/teams_auth_stall.py measures the 100 ms
    # p99 target with the server in its own process.
    assert len(latencies) >= 20 and p99 < STALL / 3, (len(latencies), p99)
    assert rig.connector.calls == []


async def test_keys_are_kept_for_their_max_age_and_refetched_after(issuer: Issuer) -> None:
    now = [1000.0]
    signing = SigningKeys(issuer.url, clock=lambda: now[0])
    issuer.max_age = 600
    try:
        assert (await signing.key("channel-key"))[0] == ISSUER
        now[0] += 599
        await signing.key("channel-key")
        assert issuer.key_hits == 1
        now[0] += 2
        await signing.key("channel-key")
        assert issuer.key_hits == 2
        # An unknown key id refetches (a rotation) at most every 5 minutes.
        with pytest.raises(Unauthorized):
            await signing.key("rotated")
        now[0] += 400
        with pytest.raises(Unauthorized):
            await signing.key("rotated")
        assert issuer.key_hits == 3
        with pytest.raises(Unauthorized):
            await signing.key("broken")  # a key the issuer published malformed is skipped, not fatal
    finally:
        await signing.close()


async def test_a_failed_fetch_is_remembered_briefly_and_last_good_keys_stay_in_use(issuer: Issuer) -> None:
    now = [1000.0]
    signing = SigningKeys(issuer.url, clock=lambda: now[0])
    try:
        issuer.status = 503
        with pytest.raises(Unauthorized, match="unavailable"):
            await signing.key("channel-key")
        with pytest.raises(Unauthorized, match="unavailable"):
            await signing.key("channel-key")
        assert issuer.metadata_hits == 1  # remembered: no second try within 30 s
        now[0] += 31
        issuer.status = 200
        await signing.key("channel-key")
        assert issuer.metadata_hits == 2
        # The keys expire while the issuer is down: the last good ones keep working.
        issuer.status = 503
        now[0] += 86_401
        await signing.key("channel-key")
        assert issuer.metadata_hits == 3
    finally:
        await signing.close()
