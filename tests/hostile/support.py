"""Helpers the hostile-traffic suites share: row counts of every table, and what counts as a broadcast mention."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import func, inspect, select, table

from adapters.app import App
from adapters.slack.platform import BACKLOG_KEY
from tests.slack.conftest import SlackRig

# What would page people on Slack (special mentions, user groups) or Teams (an <at> mention).
BROADCAST = re.compile(r"<!(?:channel|here|everyone|subteam\^)|<@[UW]|<at>", re.IGNORECASE)


async def row_counts(app: App) -> dict[str, int]:
    """Rows per table, so a test can prove a request wrote nothing anywhere. Alembic's table and SQLite's
    full-text index internals (which hold rows in a fresh database) are left out."""
    async with app.engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        counts = {}
        for name in names:
            if name != "alembic_version" and "_fts_" not in name:
                counts[name] = int(await connection.scalar(select(func.count()).select_from(table(name))) or 0)
    return counts


def broadcasts(payload: Any) -> list[str]:
    """Every broadcast mention anywhere in a JSON payload (every field, however deep)."""
    return BROADCAST.findall(json.dumps(payload, ensure_ascii=False))


async def drained(slack: SlackRig) -> None:
    """Wait until every Slack turn queued after its ack has run."""
    await slack.client.app[BACKLOG_KEY].drain()
