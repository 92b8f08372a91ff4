"""`learnbot config` and `learnbot doctor` as an operator runs them: masked secrets, and what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters import cli
from adapters.app import build_app
from adapters.doctor import MASK, Finding, diagnose, effective_configuration
from bot.settings import Settings
from tests.slack.fake_slack import FakeSlack


async def _diagnose(settings: Settings) -> dict[str, Finding]:
    app = build_app(settings)
    try:
        return {finding.area: finding for finding in await diagnose(app) if finding.area != "settings"}
    finally:
        await app.close()


def test_config_masks_secrets_and_database_passwords(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SLACK_SIGNING_SECRET=from-the-file\n")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://learnbot:hunter2@db:5432/learnbot")
    rows = {variable: (value, source) for variable, value, source in effective_configuration(Settings())}
    assert rows["SLACK_BOT_TOKEN"] == (MASK, "environment")
    assert rows["SLACK_SIGNING_SECRET"] == (MASK, ".env")
    assert rows["DATABASE_URL"] == ("postgresql+asyncpg://learnbot:***@db:5432/learnbot", "environment")
    assert rows["NUDGE_TICK_SECONDS"] == ("10.0", "default")
    assert set(rows) == {name.upper() for name in Settings.model_fields}


def test_config_command_prints_no_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "shh-client-secret")
    assert cli.main(["config"]) == 0
    out = capsys.readouterr().out
    assert "shh-client-secret" not in out and "SLACK_CLIENT_SECRET" in out and MASK in out


async def test_doctor_passes_a_working_setup(settings: Settings, fake_slack: FakeSlack) -> None:
    working = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=settings.database_url,
        slack_bot_token="xoxb-good",
        slack_signing_secret="s",
        slack_api_url=fake_slack.url,
    )
    findings = await _diagnose(working)
    assert all(finding.ok for finding in findings.values()), findings
    assert "auth.test ok" in findings["slack"].detail and "UBOT" in findings["slack"].detail
    assert fake_slack.tokens("auth.test") == ["Bearer xoxb-good"]


async def test_doctor_says_what_to_fix(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.fail("auth.test", "invalid_auth")
    broken = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}",
        slack_bot_token="xoxb-revoked",
        slack_signing_secret="s",
        slack_api_url=fake_slack.url,
        microsoft_app_id="00000000-0000-0000-0000-000000000001",  # without its password
    )
    findings = await _diagnose(broken)
    assert not findings["migrations"].ok and "learnbot db upgrade" in findings["migrations"].fix
    assert not findings["slack"].ok and "invalid_auth" in findings["slack"].detail
    assert "SLACK_BOT_TOKEN" in findings["slack"].fix
    assert not findings["teams"].ok and "MICROSOFT_APP_PASSWORD" in findings["teams"].fix


async def test_doctor_reports_an_unreachable_database_and_slack(tmp_path: Path) -> None:
    unreachable = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        slack_bot_token="xoxb-x",
        slack_signing_secret="s",
        slack_api_url="http://127.0.0.1:1/api/",
    )
    findings = await _diagnose(unreachable)
    assert not findings["database"].ok and "DATABASE_URL" in findings["database"].fix
    assert "migrations" not in findings
    assert not findings["slack"].ok and "SLACK_API_URL" in findings["slack"].fix


def test_doctor_command_exits_1_on_problems(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Mars/Olympus")
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FIX  settings" in out and "Mars/Olympus" in out and "problem(s) found" in out
