"""The learning log through the core, on the real database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from adapters.app import App
from bot.learning import search
from bot.learning.log import extract_tags
from bot.learning.tables import Learning, LearningTag
from bot.model import Buttons
from tests.support import all_text, press, say


async def test_learned_stores_entry_with_tags_and_confirms(app: App) -> None:
    await app.prepare_database(migrate=False)
    replies = await say(app.bot, "learned Git bisect finds the bad commit fast #git #Debugging")
    assert "Saved to the learning log with #git #debugging" in all_text(replies)
    async with app.sessions() as session:
        learning = (await session.scalars(select(Learning))).one()
        assert learning.text == "Git bisect finds the bad commit fast #git #Debugging"
        assert learning.language == "en"
        assert [tag.tag for tag in learning.tags] == ["debugging", "git"]
        assert learning.author.display_name == "Anna"
        assert learning.created_at == app.clock.now()


async def test_learned_without_text_gets_usage_help(app: App) -> None:
    replies = await say(app.bot, "learned   ")
    text = all_text(replies)
    assert "Something is missing: what you learned." in text
    assert "learned <what you learned>" in text
    async with app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Learning)) == 0


async def test_learnings_lists_own_recent_entries_newest_first(app: App) -> None:
    await say(app.bot, "learned first thing")
    app.clock.advance(__import__("datetime").timedelta(minutes=1))  # type: ignore[attr-defined]
    await say(app.bot, "learned second thing")
    await say(app.bot, "learned someone else's thing", who="bo")
    text = all_text(await say(app.bot, "learnings"))
    assert text.index("second thing") < text.index("first thing")
    assert "someone else" not in text


async def test_search_finds_team_entries_by_word_form_and_tag(app: App) -> None:
    await say(app.bot, "learned Our retrospectives work better with a timer #retro")
    await say(app.bot, "learned Pairing spreads knowledge #pairing", who="bo")
    await say(app.bot, "learned Unrelated note about coffee")
    text = all_text(await say(app.bot, "learnings retrospective", who="bo"))
    assert "retrospectives work better" in text
    assert "coffee" not in text
    text = all_text(await say(app.bot, "learnings pairing"))
    assert "Pairing spreads knowledge" in text


async def test_search_ranks_best_match_first_and_pages(app: App) -> None:
    for number in range(7):
        await say(app.bot, f"learned note {number} about testing")
    await say(app.bot, "learned testing testing testing: tests catch regressions in testing")
    first = await say(app.bot, "learnings testing")
    assert "(8)" in all_text(first)
    assert "regressions" in first[0].blocks[1].text  # type: ignore[union-attr]
    more = next(block for block in first[0].blocks if isinstance(block, Buttons)).buttons[0]
    assert json.loads(more.value) == {"q": "testing", "p": 2}
    second = await press(app.bot, more.action_id, more.value)
    assert "Page 2 of 2" in all_text(second)
    assert not [block for block in second[0].blocks if isinstance(block, Buttons)]
    assert "Page 2 of 2" in all_text(await say(app.bot, "learnings --page 2 testing"))


async def test_search_is_scoped_to_the_tenant(app: App) -> None:
    from bot.model import ConversationRef, InboundMessage, UserRef

    other = UserRef("test", "OTHER-TEAM", "U-x", "X")
    room = ConversationRef("test", "OTHER-TEAM", "C-x")
    await app.bot.handle_message(InboundMessage(other, room, "learned secret roadmap details"))
    assert "No learnings match" in all_text(await say(app.bot, "learnings roadmap"))


async def test_hostile_search_text_is_only_words(app: App) -> None:
    await say(app.bot, 'learned quotes "and" NEAR(stars) * are fine')
    for query in ['"', "NEAR(", "*", "a OR b", "-", "':;--", "‮"]:
        replies = await say(app.bot, f"learnings {query}")
        assert replies and replies[0].private
    assert "quotes" in all_text(await say(app.bot, 'learnings "quotes" NEAR'))


async def test_undo_removes_only_own_entry(app: App) -> None:
    replies = await say(app.bot, "learned mistaken entry")
    button = next(block for block in replies[0].blocks if isinstance(block, Buttons)).buttons[0]
    assert "not yours" in all_text(await press(app.bot, button.action_id, button.value, who="bo"))
    undone = await press(app.bot, button.action_id, button.value)
    assert undone[0].replace_source and "Removed" in all_text(undone)
    async with app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Learning)) == 0
        assert await session.scalar(select(func.count()).select_from(LearningTag)) == 0
    assert "No learnings match" in all_text(await say(app.bot, "learnings mistaken"))


async def test_text_at_the_limit_is_accepted_and_longer_refused(app: App) -> None:
    # The limit counts what the member wrote, not the command word (the README promises 40,000 characters).
    body = "x" * 40_000
    assert "Saved" in all_text(await say(app.bot, "learned " + body))
    refused = all_text(await say(app.bot, "/learnbot learned " + body + "y"))
    assert "40001 characters" in refused and "at most 40000" in refused and "Nothing was saved" in refused
    async with app.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Learning)) == 1


def test_extract_tags() -> None:
    assert extract_tags("#git and #Git, #code-review. C# issue#12 #42 #læring &#39;") == [
        "git",
        "code-review",
        "læring",
    ]


async def test_counting_stops_at_a_thousand_matches(app: App) -> None:
    await say(app.bot, "learned seed entry about kanban")
    async with app.sessions() as session:
        seed = (await session.scalars(select(Learning))).one()
        session.add_all(
            Learning(
                tenant_id=seed.tenant_id,
                member_id=seed.member_id,
                text=f"kanban note {number}",
                language="en",
                created_at=app.clock.now(),
            )
            for number in range(1001)
        )
        await session.commit()
    text = all_text(await say(app.bot, "learnings kanban"))
    assert "Learnings matching “kanban” (1000+)" in text
    assert "Page 1 of 200+" in text


async def test_the_newest_matches_are_ranked_and_older_ones_follow_newest_first(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "MAX_RANKED", 3)
    await say(app.bot, "learned seed entry about coffee")
    texts = [
        "kanban kanban kanban kanban, the oldest and the best match",  # outside the newest three: not ranked
        "kanban board one",
        "kanban board two",
        "kanban board three",
        "kanban and kanban again",  # the best of the newest three
        "kanban board five",
    ]
    async with app.sessions() as session:
        seed = (await session.scalars(select(Learning))).one()
        for text in texts:
            session.add(
                Learning(
                    tenant_id=seed.tenant_id,
                    member_id=seed.member_id,
                    text=text,
                    language="en",
                    created_at=app.clock.now(),
                )
            )
            await session.flush()
        await session.commit()
    async with app.sessions() as session:
        ids = {text: learning_id for learning_id, text in await session.execute(select(Learning.id, Learning.text))}
        pages = [await search.search_ids(session, seed.tenant_id, "kanban", offset=o, limit=2) for o in (0, 2, 4, 6)]
    assert [total for _, total in pages[:3]] == [6, 6, 6] and pages[3][0] == []
    order = [learning_id for page, _ in pages for learning_id in page]
    assert order[0] == ids["kanban and kanban again"]
    assert set(order[:3]) == {ids[text] for text in texts[3:]}  # the newest three, best first
    assert order[3:] == [ids[texts[2]], ids[texts[1]], ids[texts[0]]]  # then newest first, each once
