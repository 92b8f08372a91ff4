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


# Slack fields that are data, never shown: button and option values, our modal metadata, an input's prefill.
_SLACK_UNRENDERED = frozenset({"value", "private_metadata", "initial_value", "action_id", "block_id", "callback_id"})


def _slack_texts(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [text for item in node for text in _slack_texts(item)]
    if isinstance(node, dict):
        return [text for key, value in node.items() if key not in _SLACK_UNRENDERED for text in _slack_texts(value)]
    return []


def _teams_texts(node: Any) -> list[str]:
    """The fields Teams parses for markup: TextBlock text, facts, the activity's text and summary. Labels and
    button titles are plain text there, and a mention needs an `entities` entry the bot never sends."""
    texts: list[str] = []
    if isinstance(node, list):
        return [text for item in node for text in _teams_texts(item)]
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "data":
                continue
            if key in ("text", "summary") and isinstance(value, str):
                texts.append(value)
            elif key == "facts" and isinstance(value, list):
                texts.extend(str(part) for fact in value for part in (fact.get("title"), fact.get("value")))
            else:
                texts.extend(_teams_texts(value))
    return texts


def rendered_broadcasts(payload: Any, platform: str) -> list[str]:
    """Every broadcast mention in the fields of `payload` that `platform` renders (every such field, however deep)."""
    texts = _slack_texts(payload) if platform == "slack" else _teams_texts(payload)
    return [found for text in texts for found in BROADCAST.findall(text)]


def broadcasts(payload: Any) -> list[str]:
    """Every broadcast mention anywhere in a JSON payload, rendered or not."""
    return BROADCAST.findall(json.dumps(payload, ensure_ascii=False))


async def drained(slack: SlackRig) -> None:
    """Wait until every Slack turn queued after its ack has run."""
    await slack.client.app[BACKLOG_KEY].drain()
