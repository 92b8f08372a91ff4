"""The HTTP edge: malformed bodies get 400, and with MICROSOFT_APP_ID set a missing or forged JWT gets 401 and
changes nothing. Signing keys come from a fake OpenID endpoint on loopback, never from Microsoft."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func, select

from adapters.app import App
from adapters.teams.adapter import TeamsConfig
from adapters.teams.endpoint import teams_state
from adapters.web import HalfConfigured
from bot.db.models import Member, Tenant
from bot.learning.tables import Learning
from bot.settings import Settings
from tests.teams.conftest import Rig, start_rig
from tests.teams.fake_connector import FakeConnector

APP_ID = "00000000-1111-2222-3333-444444444444"
ISSUER = "https://api.botframework.com"


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"text": "no type"}', b'{"type": "message"}', b'{"type": "message", "serviceUrl": "x"}'],
)
async def test_malformed_bodies_get_400_with_a_reason(rig: Rig, body: bytes) -> None:
    response = await rig.client.post("/api/messages", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert (await response.json())["error"].startswith("not a Bot Framework activity")
    assert rig.connector.calls == []


async def test_an_activity_without_a_sender_gets_400_not_500(rig: Rig) -> None:
    activity = rig.activity("personal_message")
    del activity["from"]
    response = await rig.post(activity)
    assert response.status == 400
    assert "from" in (await response.json())["error"]


class _OpenIdServer:
    """OpenID metadata and JWKS served from a thread, as an issuer elsewhere would."""

    def __init__(self, public_jwk: dict[str, Any]) -> None:
        keys = {"keys": [public_jwk]}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                port = self.server.server_address[1]
                if self.path.endswith("/openid-configuration"):
                    body = {"issuer": ISSUER, "jwks_uri": f"http://127.0.0.1:{port}/keys"}
                else:
                    body = keys
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/openid-configuration"


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    trusted = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(trusted.public_key()))
    return {"trusted": trusted, "forger": forger, "jwk": {**public, "kid": "channel-key", "alg": "RS256"}}


@pytest.fixture
def openid(keys: dict[str, Any]) -> Iterator[_OpenIdServer]:
    server = _OpenIdServer(keys["jwk"])
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
async def secured(app: App, openid: _OpenIdServer) -> AsyncIterator[Rig]:
    config = TeamsConfig(
        app_id=APP_ID,
        app_password="not-a-real-secret",
        openid_metadata_url=openid.url,
    )
    async for rig in start_rig(app, config, FakeConnector()):
        yield rig


def _token(key: Any, service_url: str, *, audience: str = APP_ID, kid: str = "channel-key") -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": audience, "serviceurl": service_url, "nbf": now - 10, "exp": now + 600}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def _nothing_changed(rig: Rig) -> None:
    assert rig.connector.calls == [] and rig.connector.created == []
    async with rig.app.sessions() as session:
        for table in (Tenant, Member, Learning):
            assert await session.scalar(select(func.count()).select_from(table)) == 0


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"],
    ids=["missing", "empty", "garbage", "basic"],
)
async def test_without_a_valid_token_the_request_is_refused(secured: Rig, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else None
    response = await secured.post(secured.activity("personal_message"), headers=headers)
    assert response.status == 401
    await _nothing_changed(secured)


async def test_a_forged_token_is_refused(secured: Rig, keys: dict[str, Any]) -> None:
    forged = _token(keys["forger"], secured.service_url)
    response = await secured.post(secured.activity("personal_message"), {"Authorization": f"Bearer {forged}"})
    assert response.status == 401
    wrong_kid = _token(keys["forger"], secured.service_url, kid="unknown-key")
    response = await secured.post(secured.activity("personal_message"), {"Authorization": f"Bearer {wrong_kid}"})
    assert response.status == 401
    other_bot = _token(keys["trusted"], secured.service_url, audience="some-other-bot")
    response = await secured.post(secured.activity("personal_message"), {"Authorization": f"Bearer {other_bot}"})
    assert response.status == 401
    await _nothing_changed(secured)


async def test_a_token_signed_by_the_channel_is_accepted(secured: Rig, keys: dict[str, Any]) -> None:
    """The control for the tests above: the same setup lets a properly signed request through."""
    token = _token(keys["trusted"], secured.service_url)
    activity = secured.activity("personal_message", type="installationUpdate", action="add")
    response = await secured.post(activity, {"Authorization": f"Bearer {token}"})
    assert response.status == 201


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_when_teams_is_on() -> None:
    assert not teams_state(_settings()).enabled
    assert teams_state(_settings(teams_enabled=True)).enabled
    assert "UNAUTHENTICATED" in teams_state(_settings(teams_enabled=True)).reason
    on = teams_state(_settings(microsoft_app_id=APP_ID, microsoft_app_password="x"))
    assert on.enabled and "JWT required" in on.reason
    assert not teams_state(_settings(microsoft_app_id=APP_ID, microsoft_app_password="x", teams_enabled=False)).enabled
    assert teams_state(_settings(microsoft_app_id=APP_ID, microsoft_app_type="UserAssignedMSI")).enabled


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"microsoft_app_password": "x"}, "MICROSOFT_APP_ID is not"),
        ({"microsoft_app_id": APP_ID}, "MICROSOFT_APP_PASSWORD is not"),
        ({"microsoft_app_id": APP_ID, "microsoft_app_password": "x", "microsoft_app_type": "SingleTenant"}, "TENANT"),
        ({"microsoft_app_id": APP_ID, "microsoft_app_password": "x", "microsoft_app_type": "Multi"}, "one of"),
    ],
)
def test_half_configured_teams_stops_the_server(values: dict[str, str], complaint: str) -> None:
    with pytest.raises(HalfConfigured, match=complaint):
        teams_state(_settings(**values))
