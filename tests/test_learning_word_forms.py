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


@pytest.mark.parametrize(("language", "logged", "query"), WORD_FORMS)
@pytest.mark.parametrize("setting", ["da", "sv", "en"])
async def test_word_forms_are_found_whatever_language_the_author_set(
    app: App, setting: str, language: str, logged: str, query: str
) -> None:
    """Anna, set to English, writes in Danish: the setting is no guide to the language of what she logs."""
    await say(app.bot, f"language {setting}")
    await say(app.bot, "language en", who="bo")
    await say(app.bot, f"learned {logged}")
    await say(app.bot, "learned Something else entirely about coffee")
    found = all_text(await say(app.bot, f"learnings {query}", who="bo"))
    assert logged in found, (setting, language, query)
    assert "coffee" not in found


async def test_anna_in_english_logs_a_danish_meeting_and_bo_finds_it(app: App) -> None:
    await say(app.bot, "language en")
    await say(app.bot, "learned Møder med kunder går bedre med en dagsorden #kunder")
    await say(app.bot, "learned A meeting about the mode of transport")
    await say(app.bot, "language da", who="bo")
    found = all_text(await say(app.bot, "learnings møde", who="bo"))
    assert "Møder med kunder" in found and "transport" not in found
    # Every word must still match: a Danish form and an English word of another entry find nothing together.
    assert "Ingen" in all_text(await say(app.bot, "learnings møde transport", who="bo"))
    assert "Møder med kunder" in all_text(await say(app.bot, "learnings kunderne dagsorden", who="bo"))


async def test_the_entry_holding_the_words_more_often_ranks_first(app: App) -> None:
    await say(app.bot, "language en")
    await say(app.bot, "learned Our retrospective ran long; the agenda helped")
    await say(app.bot, "learned Retrospectives: a retrospective every week keeps retrospectives short", who="bo")
    await say(app.bot, "learned Coffee after the standup", who="cy")
    async with app.sessions() as session:
        page = await LearningLog().search(session, (await _tenant_id(app)), "retrospective")
    assert [learning.text[:5] for learning in page.items] == ["Retro", "Our r"]


async def _tenant_id(app: App) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(text("SELECT id FROM tenants")) or 0)


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


async def test_upgrade_indexes_entries_of_the_previous_release_in_every_language(database_url: str) -> None:
    """A database written at revision 0009 (each entry stemmed in its author's language only) is reindexed in
    place: Anna's Danish entry, logged with her setting English, is found by a Danish word form afterwards."""
    engine = create_engine(database_url)
    try:
        await downgrade(engine, "0009")
        now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
        entries = [
            (1, "Møder med kunder går bedre med en dagsorden #kunder", "en"),
            (2, "Ett kort möte om planen räckte", "da"),
            (3, "Deploying on Fridays went badly", "sv"),
        ]
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO tenants (id, platform, external_id, name, language, timezone, created_at) "
                    "VALUES (1, 'test', 'T1', 'Team', 'en', 'UTC', :now)"
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
            for number, logged, language in entries:
                await connection.execute(
                    text(
                        "INSERT INTO learnings (id, tenant_id, member_id, text, language, created_at) "
                        "VALUES (:id, 1, 1, :text, :language, :now)"
                    ),
                    {"id": number, "text": logged, "language": language, "now": now},
                )
            await connection.execute(text("INSERT INTO learning_tags (learning_id, tag) VALUES (1, 'kunder')"))
        sessions = create_sessionmaker(engine)
        log = LearningLog()
        queries = ["møde", "mötet", "deployed"]
        async with sessions() as session:
            # The gap this revision closes: stemmed in the setting's language, the other forms were not found.
            assert [(await log.search(session, 1, query)).total for query in queries] == [0, 0, 0]
        await upgrade(engine)
        assert await current_revision(engine) == head_revision(database_url)
        async with sessions() as session:
            for (number, logged, _language), query in zip(entries, queries, strict=True):
                page = await log.search(session, 1, query)
                assert [learning.id for learning in page.items] == [number], (logged, query)
            assert (await log.search(session, 1, "coffee")).total == 0
        async with engine.begin() as connection:
            kept = (await connection.execute(text("SELECT id, text, language FROM learnings ORDER BY id"))).all()
            tags = (await connection.execute(text("SELECT learning_id, tag FROM learning_tags"))).all()
        assert [tuple(row) for row in kept] == entries and [tuple(row) for row in tags] == [(1, "kunder")]
        # And back: the previous release's index again, the entries still there.
        await downgrade(engine, "0009")
        async with sessions() as session:
            assert (await log.search(session, 1, "møde")).total == 0
            assert (await log.search(session, 1, "deploying")).total == 1
    finally:
        if on_postgres():
            await upgrade(engine)
        await engine.dispose()
