"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set).

SQLite: migrations run once into a template file that each test copies. PostgreSQL: migrations run once per
session on the database CI created, and every test starts from truncated tables.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.app import App, build_app
from bot.clock import ManualClock
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.settings import Settings
from tests.slack.fake_slack import FakeSlack

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
_SETTINGS_ENV = [name.upper() for name in Settings.model_fields]


def on_postgres() -> bool:
    return POSTGRES_URL.startswith("postgresql")


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            tables = (
                await connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            ).scalars()
            names = ", ".join(f'"{name}"' for name in tables)
            if names:
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    if on_postgres():
        asyncio.run(_migrate(POSTGRES_URL))
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "learnbot.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return str(path)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own SLACK_* or DATABASE_URL must not leak into tests."""
    for name in _SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)


@pytest.fixture
async def database_url(database_template: str, tmp_path: Path) -> str:
    if on_postgres():
        await _truncate_all(database_template)
        return database_template
    path = tmp_path / "learnbot.db"
    shutil.copyfile(database_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]


@pytest.fixture
def clock() -> ManualClock:
    # A Monday morning in Copenhagen.
    return ManualClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[App]:
    app = build_app(settings, clock=clock)
    yield app
    await app.close()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API on loopback (tests/slack/fake_slack.py)."""
    api = FakeSlack()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"


def pytest_report_header() -> str:
    return (
        f"learnbot test database: {'PostgreSQL ' + POSTGRES_URL if on_postgres() else 'SQLite (a fresh file per test)'}"
    )
