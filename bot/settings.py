"""Configuration from the environment (and `.env`), read once by the composition root.

Every setting has a description here; the README's Configuration table is generated from them
(`learnbot config --table`), and a test keeps the two in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./learnbot.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL; PostgreSQL: `postgresql+asyncpg://user:pass@host:5432/learnbot`",
    )
    default_language: str = Field(
        default="en", description="Language for members who have not chosen one (`da`, `sv`, `en`)"
    )
    default_timezone: str = Field(
        default="Europe/Copenhagen", description="IANA time zone of new teams until members set their own"
    )
    log_level: str = Field(default="INFO", description="`DEBUG`, `INFO`, `WARNING`, …")
    log_format: Literal["text", "json"] = Field(
        default="text", description="`json`: one JSON object per line with the request or delivery id"
    )

    host: str = Field(default="0.0.0.0", description="Interface `learnbot serve` listens on")
    port: int = Field(default=3000, description="Port `learnbot serve` listens on")

    # Slack (single workspace: bot token + signing secret; many workspaces: client id/secret + signing secret)
    slack_bot_token: SecretStr | None = Field(
        default=None, description="Bot User OAuth Token (`xoxb-…`) for one workspace"
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, description="Signing Secret from the app's Basic Information; checks every request"
    )
    slack_app_token: SecretStr | None = Field(
        default=None, description="App-level token (`xapp-…`, `connections:write`): Socket Mode instead of HTTP"
    )
    slack_client_id: str | None = Field(default=None, description="Client ID: many workspaces through OAuth")
    slack_client_secret: SecretStr | None = Field(default=None, description="Client Secret, with SLACK_CLIENT_ID")
    slack_api_url: str = Field(
        default="https://slack.com/api/", description="Web API base URL (GovSlack: `https://slack-gov.com/api/`)"
    )

    # Microsoft Teams (Bot Framework)
    microsoft_app_id: str | None = Field(
        default=None, description="The bot's Microsoft App ID; turns Teams on and requires Bot Framework tokens"
    )
    microsoft_app_password: SecretStr | None = Field(
        default=None, description="The bot's client secret (not for `UserAssignedMSI`)"
    )
    microsoft_app_type: str = Field(
        default="MultiTenant", description="`MultiTenant`, `SingleTenant` or `UserAssignedMSI`"
    )
    microsoft_app_tenant_id: str | None = Field(
        default=None, description="Your Entra tenant id; required for `SingleTenant`"
    )
    # On when MICROSOFT_APP_ID is set. TEAMS_ENABLED=true without an app id serves /api/messages unauthenticated,
    # for local development with Microsoft 365 Agents Playground only; TEAMS_ENABLED=false turns Teams off.
    teams_enabled: bool | None = Field(
        default=None,
        description="`false` turns Teams off; `true` without an app id: unauthenticated, local testing only",
    )
    # Where 1:1 chats are opened for members we have never heard from (Teams' global Bot Connector).
    teams_service_url: str = Field(
        default="https://smba.trafficmanager.net/teams/",
        description="Bot Connector for opening 1:1 chats with members who never wrote",
    )
    teams_openid_metadata_url: str = Field(
        default="https://login.botframework.com/v1/.well-known/openidconfiguration",
        description="Where the Bot Framework publishes its signing keys (another cloud's, or a test issuer)",
    )
    # Teams' published limits: about 7 sends per second per conversation, about 30 per second per app per tenant.
    teams_conversation_rate: float = Field(default=7.0, gt=0, description="Teams sends per second per conversation")
    teams_tenant_rate: float = Field(default=30.0, gt=0, description="Teams sends per second per tenant")

    # Nudge engine
    nudge_tick_seconds: float = Field(default=10.0, gt=0, description="How often due nudges are looked for")
    retention_days: int = Field(
        default=365, ge=1, description="Raw answers and notes older than this many days are deleted (counts stay)"
    )
    k_anonymity: int = Field(
        default=5, ge=5, description="No figure for a manager about fewer people than this (5 or more)"
    )
    nudge_grace_minutes: float = Field(
        default=120, ge=0, description="A run missed while learnbot was down is still sent within this"
    )
    nudge_concurrency: int = Field(default=10, ge=1, description="Nudge sends in flight at once")
    nudge_pace_seconds: float = Field(
        default=1.0, ge=0, description="Minimum gap between two sends to one conversation"
    )
    nudge_lease_seconds: float = Field(
        default=300, gt=0, description="How long a crashed process's claimed sends wait before another sends them"
    )

    kudos_reactions: str = Field(
        default="clap,raised_hands,tada",
        description="Slack reactions (emoji names, comma-separated) that count as kudos on a learning's message",
    )

    @property
    def kudos_reaction_names(self) -> tuple[str, ...]:
        return tuple(name.strip().strip(":").casefold() for name in self.kudos_reactions.split(",") if name.strip())

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@dataclass(frozen=True)
class SettingDoc:
    variable: str
    default: str
    description: str
    secret: bool


def documented_settings() -> list[SettingDoc]:
    """Every setting as its environment variable, default and description, in declaration order."""
    docs = []
    for name, field in Settings.model_fields.items():
        default = "" if field.default is None else str(field.default)
        secret = "SecretStr" in str(field.annotation)
        docs.append(SettingDoc(name.upper(), default, field.description or "", secret))
    return docs


def settings_table() -> str:
    """The README's Configuration table (Markdown)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for doc in documented_settings():
        default = f"`{doc.default}`" if doc.default else "—"
        meaning = doc.description + (" (secret)" if doc.secret else "")
        lines.append(f"| `{doc.variable}` | {default} | {meaning} |")
    return "\n".join(lines) + "\n"
