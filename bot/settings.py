"""Configuration from the environment (and `.env`), read once by the composition root."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./learnbot.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL; SQLite file in the working directory by default",
    )
    default_language: str = Field(default="en", description="Language for members who have not chosen one")
    default_timezone: str = Field(default="Europe/Copenhagen", description="Time zone for new teams")
    log_level: str = Field(default="INFO")

    host: str = "0.0.0.0"
    port: int = 3000

    # Slack (single workspace: bot token + signing secret; many workspaces: client id/secret + signing secret)
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    # Microsoft Teams (Bot Framework)
    microsoft_app_id: str | None = None
    microsoft_app_password: SecretStr | None = None
    microsoft_app_type: str = "MultiTenant"
    microsoft_app_tenant_id: str | None = None
    # On when MICROSOFT_APP_ID is set. TEAMS_ENABLED=true without an app id serves /api/messages unauthenticated,
    # for local development with Microsoft 365 Agents Playground only; TEAMS_ENABLED=false turns Teams off.
    teams_enabled: bool | None = None
    # Where 1:1 chats are opened for members we have never heard from (Teams' global Bot Connector).
    teams_service_url: str = "https://smba.trafficmanager.net/teams/"
    # Teams' published limits: about 7 sends per second per conversation, about 30 per second per app per tenant.
    teams_conversation_rate: float = Field(default=7.0, gt=0)
    teams_tenant_rate: float = Field(default=30.0, gt=0)

    # Nudge engine
    nudge_tick_seconds: float = Field(default=10.0, gt=0, description="How often the dispatcher looks for due work")
    nudge_grace_minutes: float = Field(default=120, ge=0, description="Send runs missed while down within this")
    nudge_concurrency: int = Field(default=10, ge=1, description="Sends in flight at once")
    nudge_pace_seconds: float = Field(default=1.0, ge=0, description="Minimum gap between sends to one conversation")
    nudge_lease_seconds: float = Field(
        default=300, gt=0, description="How long a crashed process's claimed sends wait before another sends them"
    )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
