"""`learnbot config` and `learnbot doctor`: what learnbot will run with, and whether it can.

`config` prints every setting's effective value (secrets and database passwords masked) and where it came from.
`doctor` checks the settings, the database and its migrations, Slack (`auth.test` against SLACK_API_URL with the
configured token) and the Teams settings, and says for each problem what to change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from adapters.app import App
from adapters.slack.platform import check as slack_check
from adapters.slack.store_tables import slack_metadata
from adapters.teams.endpoint import teams_state
from adapters.web import HalfConfigured
from bot.catalog import SUPPORTED_LANGUAGES
from bot.settings import Settings

MASK = "********"
# Slack answers to auth.test that mean the token itself is wrong, not the network.
_BAD_TOKEN = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})


@dataclass(frozen=True)
class Finding:
    area: str
    ok: bool
    detail: str
    fix: str = ""


def effective_configuration(settings: Settings, env_file: str = ".env") -> list[tuple[str, str, str]]:
    """(variable, shown value, source) for every setting; source is `environment`, `.env` or `default`."""
    from_file = {name.upper() for name in dotenv_values(env_file)} if os.path.exists(env_file) else set()
    from_environment = {name.upper() for name in os.environ}
    rows = []
    for name in Settings.model_fields:
        variable = name.upper()
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            shown = MASK
        elif value is None:
            shown = "(not set)"
        elif name == "database_url":
            shown = make_url(value).render_as_string(hide_password=True)
        else:
            shown = str(value)
        source = "environment" if variable in from_environment else ".env" if variable in from_file else "default"
        rows.append((variable, shown, source))
    return rows


async def diagnose(app: App) -> list[Finding]:
    """Every check, in the order an operator fixes things."""
    findings = [_language(app.settings), _timezone(app.settings)]
    database = await _database(app)
    findings.append(database)
    if database.ok:
        findings.append(await _migrations(app))
    findings.append(await _slack(app, database.ok))
    findings.append(_teams(app))
    return findings


def _language(settings: Settings) -> Finding:
    if settings.default_language in SUPPORTED_LANGUAGES:
        return Finding("settings", True, f"DEFAULT_LANGUAGE {settings.default_language}")
    return Finding(
        "settings",
        False,
        f"DEFAULT_LANGUAGE {settings.default_language!r} is not a language learnbot speaks",
        f"set DEFAULT_LANGUAGE to one of {', '.join(SUPPORTED_LANGUAGES)}",
    )


def _timezone(settings: Settings) -> Finding:
    try:
        ZoneInfo(settings.default_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return Finding(
            "settings",
            False,
            f"DEFAULT_TIMEZONE {settings.default_timezone!r} is not an IANA time zone",
            "set DEFAULT_TIMEZONE to a zone such as Europe/Copenhagen",
        )
    return Finding("settings", True, f"DEFAULT_TIMEZONE {settings.default_timezone}")


async def _database(app: App) -> Finding:
    shown = make_url(app.settings.database_url).render_as_string(hide_password=True)
    try:
        async with app.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver error: report it, do not crash the doctor
        return Finding(
            "database",
            False,
            f"cannot connect to {shown}: {type(error).__name__}: {error}",
            "check DATABASE_URL (host, port, user, password, database name) and that the server runs",
        )
    return Finding("database", True, f"reachable: {shown}")


async def _migrations(app: App) -> Finding:
    current, head = await app.migrations_at_head()
    if current == head:
        return Finding("migrations", True, f"at head ({head})")
    upgrade = "start learnbot once (SQLite upgrades itself) or run" if app.settings.is_sqlite else "run"
    return Finding(
        "migrations",
        False,
        f"database at {current or 'no revision (empty)'}, code needs {head}",
        f"{upgrade} `learnbot db upgrade`",
    )


async def _slack(app: App, database_ok: bool) -> Finding:
    try:
        state = slack_check(app)
    except HalfConfigured as error:
        return Finding("slack", False, f"half-configured: {error}", str(error))
    if not state.enabled:
        return Finding("slack", True, f"off ({state.reason})")
    settings = app.settings
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
    if app_token and not app_token.startswith("xapp-"):
        return Finding(
            "slack",
            False,
            "SLACK_APP_TOKEN is not an app-level token (it must start with xapp-)",
            "create an app-level token with connections:write under Basic Information and set SLACK_APP_TOKEN",
        )
    if settings.slack_bot_token is None:
        return await _slack_installations(app, state.reason, database_ok)
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error", "unknown_error"))
        fix = (
            "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions into SLACK_BOT_TOKEN"
            if code in _BAD_TOKEN
            else f"Slack refused auth.test with {code}"
        )
        return Finding("slack", False, f"auth.test at {settings.slack_api_url}: {code}", fix)
    except Exception as error:  # network: DNS, refused, TLS, proxy
        return Finding(
            "slack",
            False,
            f"cannot reach {settings.slack_api_url}: {type(error).__name__}: {error}",
            "check SLACK_API_URL and that this host can make outbound HTTPS requests (proxy?)",
        )
    team, user = answer.get("team") or answer.get("team_id"), answer.get("user_id")
    return Finding("slack", True, f"{state.reason}; auth.test ok: workspace {team}, bot user {user}")


async def _slack_installations(app: App, reason: str, database_ok: bool) -> Finding:
    if not database_ok:
        return Finding("slack", False, f"{reason}; installations unknown (no database)", "fix the database first")
    bots = slack_metadata().tables["slack_bots"]
    try:
        async with app.engine.connect() as connection:
            workspaces = await connection.scalar(select(func.count(func.distinct(bots.c.team_id))))
    except Exception as error:  # table missing before the first upgrade
        return Finding("slack", False, f"{reason}; cannot read installations: {error}", "run `learnbot db upgrade`")
    if not workspaces:
        return Finding("slack", True, f"{reason}; no workspace installed yet: open /slack/install as an admin")
    return Finding("slack", True, f"{reason}; installed in {workspaces} workspace(s)")


def _teams(app: App) -> Finding:
    try:
        state = teams_state(app.settings)
    except HalfConfigured as error:
        return Finding("teams", False, f"half-configured: {error}", str(error))
    if not state.enabled:
        return Finding("teams", True, f"off ({state.reason})")
    if app.settings.microsoft_app_id is None:
        return Finding(
            "teams",
            True,
            f"{state.reason}: never expose this on a public address",
            "set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD before going live",
        )
    # The credentials are only checked by Microsoft's login service, which a doctor run does not call.
    return Finding("teams", True, f"{state.reason}; the password is checked by Microsoft on the first send")
