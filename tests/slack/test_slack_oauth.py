"""Multi-workspace OAuth over HTTP on 127.0.0.1: install, callback, per-workspace tokens, token rotation."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from time import monotonic
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Table, select, update

from adapters.slack import tokens
from adapters.slack.store_tables import BOTS_TABLE, INSTALLATIONS_TABLE, STATES_TABLE, slack_metadata
from bot.db.models import Tenant
from bot.learning.tables import Learning
from tests.slack.conftest import CLIENT_ID, CLIENT_SECRET, SlackRig

TABLES = slack_metadata()
BOTS, INSTALLATIONS, STATES = (TABLES.tables[name] for name in (BOTS_TABLE, INSTALLATIONS_TABLE, STATES_TABLE))


def grant(team_id: str, token: str, **extra: Any) -> dict[str, Any]:
    """Slack's oauth.v2.access answer for a bot install (shape from Slack's docs)."""
    return {
        "access_token": token,
        "token_type": "bot",
        "scope": "commands,chat:write,users:read",
        "bot_user_id": "UBOT9",
        "app_id": "A111",
        "team": {"id": team_id, "name": "Nine"},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": "U900"},
        **extra,
    }


async def start_install(rig: SlackRig) -> tuple[str, str]:
    """GET /slack/install like a browser: returns the state and the cookie Bolt set."""
    response = await rig.client.get("/slack/install", allow_redirects=False)
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    state = parse_qs(location.query)["state"][0]
    cookie = SimpleCookie(response.headers["Set-Cookie"])
    return state, "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())


async def finish_install(rig: SlackRig, code: str, state: str, cookie: str) -> int:
    response = await rig.client.get(
        "/slack/oauth_redirect", params={"code": code, "state": state}, headers={"Cookie": cookie}
    )
    await response.read()
    return response.status


async def rows(rig: SlackRig, table: Table) -> list[dict[str, Any]]:
    async with rig.app.engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(select(table))).mappings()]


async def test_install_redirects_to_slack_with_a_state_stored_in_our_database(slack_oauth: SlackRig) -> None:
    response = await slack_oauth.client.get("/slack/install", allow_redirects=False)
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    api = urlsplit(slack_oauth.api.url)
    assert (location.netloc, location.path) == (api.netloc, "/oauth/v2/authorize")
    query = parse_qs(location.query)
    assert query["client_id"] == [CLIENT_ID]
    assert {"commands", "chat:write", "users:read"} <= set(query["scope"][0].split(","))
    [state] = query["state"]
    assert [row["state"] for row in await rows(slack_oauth, STATES)] == [state]
    assert f"slack-app-oauth-state={state}" in response.headers["Set-Cookie"]


async def test_callback_stores_the_installation_and_commands_use_its_token(slack_oauth: SlackRig) -> None:
    rig = slack_oauth
    rig.api.grants["code-9"] = grant("T9", "xoxb-nine")
    state, cookie = await start_install(rig)

    assert await finish_install(rig, "code-9", state, cookie) == 200

    [access] = rig.api.of("oauth.v2.access")
    assert access["code"] == "code-9"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert rig.api.tokens("oauth.v2.access") == [f"Basic {basic}"]
    [bot] = await rows(rig, BOTS)
    assert (bot["team_id"], bot["bot_token"], bot["bot_user_id"], bot["client_id"]) == (
        "T9",
        "xoxb-nine",
        "UBOT9",
        CLIENT_ID,
    )
    assert [row["team_id"] for row in await rows(rig, INSTALLATIONS)] == ["T9"]
    assert await rows(rig, STATES) == []  # a state works once

    response = await rig.command("/learned", "OAuth installs work #slack", team_id="T9")
    assert response.status == 200
    await rig.api.wait_for("response_url:r1")
    assert rig.api.tokens("users.info") == ["Bearer xoxb-nine"]
    async with rig.app.sessions() as session:
        learning = (await session.scalars(select(Learning))).one()
        tenant = await session.get(Tenant, learning.tenant_id)
    assert tenant is not None and tenant.external_id == "T9"


async def test_a_reinstall_with_a_new_token_is_used_at_once(slack_oauth: SlackRig) -> None:
    """Tokens are read once per half minute in a fan-out; a reinstall must not leave the old one in use."""
    rig = slack_oauth
    rig.api.grants["code-1"] = grant("T9", "xoxb-first")
    state, cookie = await start_install(rig)
    assert await finish_install(rig, "code-1", state, cookie) == 200
    await rig.command("/learned", "with the first token", team_id="T9", user_id="U901")
    await rig.api.wait_for("users.info")

    rig.api.grants["code-2"] = grant("T9", "xoxb-second")
    state, cookie = await start_install(rig)
    assert await finish_install(rig, "code-2", state, cookie) == 200
    await rig.command("/learned", "with the second token", team_id="T9", user_id="U902")
    await rig.api.wait_for("users.info", 2)
    assert rig.api.tokens("users.info")[-1] == "Bearer xoxb-second"


async def test_command_from_a_workspace_without_installation_stores_nothing(slack_oauth: SlackRig) -> None:
    response = await slack_oauth.command("/learned", "nobody installed me", team_id="T404")
    assert response.status == 200
    [notice] = await slack_oauth.api.wait_for("response_url:r1")
    assert "reinstall" in notice["text"]
    assert [call.method for call in slack_oauth.api.calls] == ["response_url:r1"]
    async with slack_oauth.app.sessions() as session:
        assert (await session.scalars(select(Learning))).all() == []


async def test_unknown_or_expired_state_is_refused_with_a_clear_page(slack_oauth: SlackRig) -> None:
    rig = slack_oauth
    rig.api.grants["code-9"] = grant("T9", "xoxb-nine")
    _, cookie = await start_install(rig)

    forged = await rig.client.get(
        "/slack/oauth_redirect",
        params={"code": "code-9", "state": "never-issued"},
        headers={"Cookie": "slack-app-oauth-state=never-issued"},
    )
    assert forged.status == 401
    page = await forged.text()
    assert "expired or was already used" in page and 'href="/slack/install"' in page

    # An issued state past its ten minutes is refused the same way, even with the right cookie.
    state, cookie = await start_install(rig)
    async with rig.app.engine.begin() as connection:
        past = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1)
        await connection.execute(update(STATES).where(STATES.c.state == state).values(expire_at=past))
    assert await finish_install(rig, "code-9", state, cookie) == 401

    # A callback without the browser's cookie (another browser) is told to start again there.
    state, _ = await start_install(rig)
    other = await rig.client.get(
        "/slack/oauth_redirect",
        params={"code": "code-9", "state": state},
        headers={"Accept-Language": "da-DK,da;q=0.9"},
    )
    assert other.status == 400
    assert "en anden browser" in await other.text()

    assert rig.api.of("oauth.v2.access") == []
    assert await rows(rig, BOTS) == []


async def test_expiring_token_is_refreshed_once_used_and_stored(
    slack_oauth: SlackRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = slack_oauth
    rig.api.grants["code-9"] = grant("T9", "xoxe.xoxb-old", refresh_token="xoxe-1-first", expires_in=43200)
    rig.api.refreshes["xoxe-1-first"] = {
        "access_token": "xoxe.xoxb-new",
        "refresh_token": "xoxe-1-second",
        "expires_in": 43200,
        "token_type": "bot",
        "scope": "commands,chat:write,users:read",
        "team": {"id": "T9", "name": "Nine"},
        "bot_user_id": "UBOT9",
        "app_id": "A111",
    }
    state, cookie = await start_install(rig)
    assert await finish_install(rig, "code-9", state, cookie) == 200

    # A fresh token is used as it is.
    await rig.command("/learned", "first, with the installed token", team_id="T9", user_id="U901")
    await rig.api.wait_for("users.info")
    assert rig.api.tokens("users.info") == ["Bearer xoxe.xoxb-old"]
    assert len(rig.api.of("oauth.v2.access")) == 1

    # Twelve hours later the token has expired: the next request refreshes it once, then uses the new one.
    async with rig.app.engine.begin() as connection:
        expired = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1)
        await connection.execute(update(BOTS).values(bot_token_expires_at=expired))
    # The tokens' own clock moves too: what they read half a minute ago is read again.
    later = monotonic() + 12 * 3600
    monkeypatch.setattr(tokens, "monotonic", lambda: later)
    await rig.command("/learned", "second, after expiry", team_id="T9", user_id="U902")
    await rig.api.wait_for("users.info", 2)
    assert rig.api.tokens("users.info")[1] == "Bearer xoxe.xoxb-new"
    refreshes = [args for args in rig.api.of("oauth.v2.access") if args.get("grant_type") == "refresh_token"]
    assert [args["refresh_token"] for args in refreshes] == ["xoxe-1-first"]
    [bot] = await rows(rig, BOTS)
    assert (bot["bot_token"], bot["bot_refresh_token"]) == ("xoxe.xoxb-new", "xoxe-1-second")
    expires_at = bot["bot_token_expires_at"].replace(tzinfo=UTC)
    assert timedelta(hours=11) < expires_at - datetime.now(UTC) <= timedelta(hours=12)
