"""Danish, Swedish and English word forms in learning-log search, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from adapters.app import App
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import current_revision, downgrade, head_revision, upgrade
from bot.db.stemming import query_stems, stems
from bot.learning.log import LearningLog
from bot.learning.search import fts5_match
from tests.conftest import on_postgres
from tests.support import all_text, say

WORD_FORMS = [
    # (language, what was logged, the other word form searched for)
    ("da", "Vi holdt tre korte møder om planen", "møde"),
    ("da", "Mødet om planen blev kortere med en dagsorden", "møder"),
    ("sv", "Ett kort möte om planen räckte", "mötet"),
    ("sv", "Våra möten blev bättre med en agenda", "möte"),
    ("en", "Our retrospectives work better with a timer", "retrospective"),
    ("en", "A short retrospective is enough", "retrospectives"),
]


@pytest.mark.parametrize(("language", "logged", "query"), WORD_FORMS)
async def test_word_forms_are_found_in_the_members_language(app: App, language: str, logged: str, query: str) -> None:
    await say(app.bot, f"language {language}")
    await say(app.bot, f"language {language}", who="bo")
    await say(app.bot, f"learned {logged}")
    await say(app.bot, "learned Something else entirely about coffee")
    found = all_text(await say(app.bot, f"learnings {query}", who="bo"))
    assert logged in found
    assert "coffee" not in found


async def test_searchers_find_entries_written_in_another_language(app: App) -> None:
    await say(app.bot, "language da")
    await say(app.bot, "learned Tre møder om planen")
    await say(app.bot, "language en", who="bo")
    await say(app.bot, "learned Our retrospectives got shorter", who="bo")
    await say(app.bot, "language sv", who="cy")
    # A Swedish member searching a Danish word form, a Danish member an English one.
    assert "Tre møder" in all_text(await say(app.bot, "sök møde", who="cy"))
    assert "retrospectives got shorter" in all_text(await say(app.bot, "søg retrospective"))
    # Every word must match, each by the entry's own stemmer.
    assert "Tre møder" in all_text(await say(app.bot, "sök planen møde", who="cy"))
    assert "Inga" in all_text(await say(app.bot, "sök møde retrospective", who="cy"))


async def test_edits_and_deletes_keep_the_index_right(app: App) -> None:
    await say(app.bot, "language sv")
    await say(app.bot, "learned Ett möte om budget")
    async with app.sessions() as session:
        await session.execute(text("UPDATE learnings SET text = 'Mötet handlade om kaffe'"))
        await session.commit()
    assert "Mötet handlade om kaffe" in all_text(await say(app.bot, "sök kaffe mötet"))
    assert "Inga" in all_text(await say(app.bot, "sök budget"))
    async with app.sessions() as session:
        await session.execute(text("DELETE FROM learnings"))
        await session.commit()
    assert "Inga" in all_text(await say(app.bot, "sök kaffe"))


def test_query_words_match_each_language_column_by_its_own_stem() -> None:
    assert stems("Møderne, mødet!", "da") == "mød mød"
    assert stems("Café Retrospectives", "en") == "cafe retrospect"
    assert query_stems(["mötet"]) == [{"da": "mötet", "sv": "möt", "en": "motet"}]
    assert fts5_match(["mötet", "agenda"]) == (
        '({da} : "mötet" OR {sv} : "möt" OR {en} : "motet") AND ({da en} : "agenda" OR {sv} : "agend")'
    )


async def test_upgrade_reindexes_entries_of_the_previous_release(database_url: str) -> None:
    """A database written at revision 0003 (the porter index) is upgraded and found by other word forms."""
    engine = create_engine(database_url)
    try:
        await downgrade(engine, "0003")
        now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO tenants (id, platform, external_id, name, language, timezone, created_at) "
                    "VALUES (1, 'test', 'T1', 'Team', 'da', 'Europe/Copenhagen', :now)"
                ),
                {"now": now},
            )
            await connection.execute(
                text(
                    "INSERT INTO members (id, tenant_id, platform_user_id, display_name, role, created_at) "
                    "VALUES (1, 1, 'U-anna', 'Anna', 'member', :now)"
                ),
                {"now": now},
            )
            for number, (language, logged, _query) in enumerate(WORD_FORMS, start=1):
                await connection.execute(
                    text(
                        "INSERT INTO learnings (id, tenant_id, member_id, text, language, created_at) "
                        "VALUES (:id, 1, 1, :text, :language, :now)"
                    ),
                    {"id": number, "text": logged, "language": language, "now": now},
                )
        await upgrade(engine)
        assert await current_revision(engine) == head_revision(database_url)
        sessions = create_sessionmaker(engine)
        log = LearningLog()
        async with sessions() as session:
            for language, logged, query in WORD_FORMS:
                page = await log.search(session, 1, query)
                assert logged in [learning.text for learning in page.items], (language, query)
            assert (await log.search(session, 1, "coffee")).total == 0
        async with engine.begin() as connection:
            count = await connection.scalar(text("SELECT count(*) FROM learnings"))
        assert count == len(WORD_FORMS)
    finally:
        if on_postgres():
            # The session database is shared: leave it at head for the tests after this one.
            await upgrade(engine)
        await engine.dispose()
