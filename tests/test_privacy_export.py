"""Export me: a JSON file with every row that mentions the member (checked against the same walk of the schema
as forget me), in the member's 1:1 chat; in the terminal, a file path."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from adapters.app import App
from adapters.console.adapter import ConsoleAdapter
from adapters.console.chat import ConsoleChat
from adapters.console.render import Style
from bot.clock import ManualClock
from bot.privacy import audit
from bot.privacy.service import EXPORT_SCHEMA
from migrations.metadata import target_metadata
from tests.engine_support import adapter_for, dm
from tests.privacy_support import busy_team, dump, member_ids, traces
from tests.support import ROOM, all_text, say

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _keys(table: str, rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    primary = next(t for m in target_metadata() for t in m.sorted_tables if t.name == table).primary_key.columns
    return {tuple(row[column.name] for column in primary) for row in rows}


async def test_export_holds_every_row_that_mentions_the_member(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter = adapter_for(app)
    await busy_team(app, clock)
    async with app.sessions() as session:
        zelda = (await member_ids(session))["U-zelda"]
    tables = await dump(app)

    replies = await say(app.bot, "export me", who="zelda", where=ROOM)  # asked in the channel ...
    assert "JSON" in all_text(replies)
    [(where, file)] = adapter.files
    assert where.id == "D-U-zelda"  # ... the file comes in her 1:1 chat
    document = json.loads(file.content)
    assert document["schema"] == EXPORT_SCHEMA
    assert document["member"]["platform_user_id"] == "U-zelda" and document["member"]["id"] == zelda

    mentioning: dict[str, list[dict[str, Any]]] = {}
    for table, rows in tables.items():
        mentioning[table] = [row for row in rows if traces({table: [row]}, zelda, "U-zelda", "Zelda")]
    assert {table for table, rows in mentioning.items() if rows} >= {
        "members",
        "learnings",
        "member_settings",
        "conversation_series",
        "conversation_deliveries",
        "conversation_responses",
        "conversation_members",
        "conversations",
        "slack_installations",
    }
    for table, rows in mentioning.items():
        exported = document["tables"].get(table, [])
        assert _keys(table, rows) <= _keys(table, exported), table
    # Her named answer and her learning are in it, word for word; Bo's are not.
    text = json.dumps(document, ensure_ascii=False)
    assert "Asking early saves a day" in text and "Short standups need a clear owner" in text
    assert "xoxp-zelda" not in text and "xoxb-1" not in text  # tokens are the workspace's credentials
    assert "Tests first" not in text and "Pairing beats reviews" not in text
    # Anonymous answers exist but cannot be tied back: said, not exported.
    assert any("anonymous" in line for line in document["cannot_be_tied_to_you"])
    assert "anon 1" not in text
    async with app.sessions() as session:
        assert [(entry.action, entry.by) for entry in await audit.entries(session)] == [("export", "self")]


async def test_export_in_the_terminal_is_a_file_path(app: App, clock: ManualClock, tmp_path: Any) -> None:
    clock.set(MONDAY_0600)
    out = io.StringIO()
    adapter = ConsoleAdapter(out, Style(), app.catalog)
    adapter.files_folder = tmp_path
    app.notifier.register(adapter)
    chat = ConsoleChat(app.bot, adapter, app.catalog.translator("en"), out, name="Anna", team="T", echo=True)
    lines = iter(["learned Retros work best short #retro", "export me"])

    async def read(prompt: str) -> str | None:
        return next(lines, None)

    await chat.run(read)
    [path] = adapter.saved_files
    assert str(path) in out.getvalue()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [row["text"] for row in document["tables"]["learnings"]] == ["Retros work best short #retro"]
    assert document["member"]["display_name"] == "Anna"


async def test_export_where_no_file_can_be_sent_says_so(app: App, clock: ManualClock) -> None:
    reply = all_text(await say(app.bot, "export me", who="zelda", where=dm("zelda")))  # no adapter registered
    assert "learnbot privacy export" in reply


async def test_privacy_explains_in_the_members_language_and_the_readme_says_the_same(app: App) -> None:
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for words, language in (("privacy", "en"), ("privatliv", "da"), ("integritet", "sv")):
        await say(app.bot, f"language {language}", who="zelda")
        [told] = await say(app.bot, words, who="zelda")
        expected = app.catalog.translator(language)("privacy.explain", days=365, k=5)
        assert told.text == expected and told.private
        quoted = "\n".join("> " + line if line else ">" for line in expected.split("\n"))
        assert quoted in readme, f"README lacks the {language} privacy text"
