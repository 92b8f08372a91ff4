"""The learning log's reach: search by #tag, @member and date; related learnings; edit, delete and private
entries; what a member applied. Through the core, on the real database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Window
from bot.conversations.responses import save_response
from bot.conversations.rounds import RoundPlan
from bot.conversations.tables import Round, Series
from bot.db.models import Conversation, Member, Tenant
from bot.learning.importing import export_rows
from bot.learning.tables import Learning
from bot.model import Buttons, Mention
from bot.nudges.kind import KIND
from tests.engine_support import adapter_for, dm, engine_for
from tests.support import all_text, press, say, user


async def _ids(app: App) -> dict[str, int]:
    """Each entry's id by its first word (the first entry with that word)."""
    found: dict[str, int] = {}
    async with app.sessions() as session:
        for learning_id, text in await session.execute(select(Learning.id, Learning.text).order_by(Learning.id)):
            found.setdefault(text.split()[0], learning_id)
    return found


async def test_search_narrows_by_tag_member_and_date_and_shows_tags_author_and_link(
    app: App, clock: ManualClock
) -> None:
    await app.prepare_database(migrate=False)
    await say(app.bot, "learned Deploys on Fridays need a rollback plan #deploys", who="bo")
    clock.advance(timedelta(days=10))
    await say(app.bot, "learned Deploys go smoother with feature flags #flags")
    await say(app.bot, "learned Retro timers keep deploys talk short #retro", who="bo")
    since = clock.now().date().isoformat()

    everything = all_text(await say(app.bot, "learnings deploys", who="cleo"))
    assert "rollback plan" in everything and "feature flags" in everything and "Retro timers" in everything
    assert "Bo · " in everything and "#deploys" in everything

    by_bo = all_text(await say(app.bot, "learnings deploys @bo", who="cleo"))
    assert "rollback plan" in by_bo and "Retro timers" in by_bo and "feature flags" not in by_bo
    mention = Mention(user("bo"), "@Bo")
    first = all_text(await say(app.bot, "learnings @Bo deploys", who="cleo", mentions=(mention,)))
    assert "rollback plan" in first and "feature flags" not in first

    tagged = all_text(await say(app.bot, "learnings #flags", who="cleo"))
    assert "feature flags" in tagged and "rollback plan" not in tagged
    recent = all_text(await say(app.bot, f"learnings deploys since {since}", who="cleo"))
    assert "feature flags" in recent and "Retro timers" in recent and "rollback plan" not in recent
    both = all_text(await say(app.bot, f"learnings @bo since {since}", who="cleo"))
    assert "Retro timers" in both and "rollback plan" not in both and "feature flags" not in both


async def test_search_pages_keep_their_filters(app: App) -> None:
    for number in range(7):
        await say(app.bot, f"learned Pairing note {number} #pairing", who="bo")
    await say(app.bot, "learned Pairing note by Anna #pairing")
    first = await say(app.bot, "learnings pairing @bo", who="cleo")
    pages = (block for block in first[0].blocks if isinstance(block, Buttons))
    more = next(b for block in pages for b in block.buttons if b.action_id == "learnings.page")
    state = json.loads(more.value)
    assert state["p"] == 2 and isinstance(state["m"], int)
    second = all_text(await press(app.bot, more.action_id, more.value, who="cleo"))
    assert "Pairing note" in second and "by Anna" not in second
    forged = all_text(await press(app.bot, more.action_id, '{"q": "x", "p": 1, "m": "DROP"}', who="cleo"))
    assert "Traceback" not in forged and forged


async def test_a_private_learning_is_seen_by_its_author_only(app: App) -> None:
    await app.prepare_database(migrate=False)
    saved = all_text(await say(app.bot, "learned --private Salary negotiation scripts calm my nerves #career"))
    assert "only you can see it" in saved
    await say(app.bot, "learned Negotiation scripts help in vendor calls", who="bo")
    ids = await _ids(app)
    private_id = ids["Salary"]

    assert "Salary" not in all_text(await say(app.bot, "learnings negotiation scripts", who="bo"))
    assert "Salary" not in all_text(await say(app.bot, "learnings #career", who="bo"))
    assert "Salary" not in all_text(await say(app.bot, "learnings @anna", who="bo"))
    assert "no entry" in all_text(await say(app.bot, f"learnings related {private_id}", who="bo")).casefold()
    # Bo's entry shares words with Anna's private one, yet is not told about it.
    logged = all_text(await say(app.bot, "learned Negotiation scripts with calm pauses work", who="bo"))
    assert "Salary" not in logged
    assert "Salary" not in all_text(await say(app.bot, f"learnings related {ids['Negotiation']}", who="bo"))

    own = all_text(await say(app.bot, "learnings"))
    assert "Salary negotiation" in own and "🔒 private" in own
    # Its author may still look for colleagues' similar learnings: Bo's shared ones, never the private entry.
    for_author = all_text(await say(app.bot, f"learnings related {private_id}"))
    assert "vendor calls" in for_author and "Salary" not in for_author.split("like entry", 1)[1]

    async with app.sessions() as session:
        team = (await session.scalars(select(Learning))).first()
        assert team is not None
        tenant = team.author.tenant
        shared = [row["text"] async for row in export_rows(session, tenant)]
        anna = next(item.author for item in await session.scalars(select(Learning)) if item.id == private_id)
        bo = next(item.author for item in await session.scalars(select(Learning)) if item.id == ids["Negotiation"])
        mine = [row async for row in export_rows(session, tenant, anna)]
        bos = [row["text"] async for row in export_rows(session, tenant, bo)]
    assert not any("Salary" in text for text in shared) and len(shared) == 2
    assert [row["private"] for row in mine] == ["yes"] and "Salary" in mine[0]["text"]
    assert not any("Salary" in text for text in bos)


async def test_edit_keeps_the_index_right_and_only_the_author_may(app: App) -> None:
    await say(app.bot, "learned Kanban limits reduce context switching #kanban")
    learning_id = (await _ids(app))["Kanban"]
    refused = all_text(await say(app.bot, f"learnings edit {learning_id} Hijacked text", who="bo"))
    assert "no entry" in refused.casefold()
    edited = all_text(await say(app.bot, f"learnings edit {learning_id} Swimlanes make blockers visible #board"))
    assert f"{learning_id}" in edited
    assert "Swimlanes" in all_text(await say(app.bot, "learnings swimlane", who="bo"))
    assert "No learnings match" in all_text(await say(app.bot, "learnings kanban", who="bo"))
    assert "No learnings match" in all_text(await say(app.bot, "learnings #kanban", who="bo"))
    assert "Swimlanes" in all_text(await say(app.bot, "learnings #board", who="bo"))
    async with app.sessions() as session:
        learning = await session.get(Learning, learning_id)
        assert learning is not None and learning.edited_at is not None
        assert [tag.tag for tag in learning.tags] == ["board"]


async def test_delete_removes_the_entry_its_search_and_its_resurfacing(app: App) -> None:
    await say(app.bot, "learned Blameless postmortems surface real causes")
    learning_id = (await _ids(app))["Blameless"]
    assert "no entry" in all_text(await say(app.bot, f"learnings delete {learning_id}", who="bo")).casefold()
    assert "deleted" in all_text(await say(app.bot, f"learnings delete {learning_id}"))
    assert "No learnings match" in all_text(await say(app.bot, "learnings postmortem", who="bo"))
    async with app.sessions() as session:
        assert await session.get(Learning, learning_id) is None
        assert list(await session.scalars(select(Series).where(Series.subject == f"learning:{learning_id}"))) == []
    assert "usage" not in all_text(await say(app.bot, "learnings delete 999999")).casefold()


async def test_logging_answers_with_similar_learnings_of_colleagues(app: App, clock: ManualClock) -> None:
    await say(app.bot, "learned Feature flags decouple deploys from releases", who="bo")
    await say(app.bot, "learned Coffee tastes better freshly ground", who="cleo")
    await say(app.bot, "learned My own notes about feature flags and releases")
    clock.advance(timedelta(days=8))
    reply = all_text(await say(app.bot, "learned Feature flags let releases happen any day"))
    assert "Bo learned something similar last week:" in reply
    assert "decouple deploys" in reply
    assert "Coffee" not in reply and "My own notes" not in reply
    bo_id = (await _ids(app))["Feature"]
    related = all_text(await say(app.bot, f"learnings related {bo_id}", who="cleo"))
    assert "let releases happen" in related and "My own notes" in related and "decouple" not in related


async def test_similar_learnings_are_found_whatever_language_their_authors_set(app: App) -> None:
    await say(app.bot, "language da", who="bo")
    await say(app.bot, "learned Vores møder med kunderne blev bedre med en dagsorden", who="bo")
    await say(app.bot, "learned Kaffe smager bedre nymalet", who="cleo")
    await say(app.bot, "language en")
    reply = all_text(await say(app.bot, "learned Møder med kunder går bedre med dagsordener"))
    assert "Bo learned something similar today:" in reply and "Vores møder" in reply and "Kaffe" not in reply


async def test_applied_lists_what_the_member_used_and_the_share(app: App, clock: ManualClock) -> None:
    adapter = adapter_for(app)
    await say(app.bot, "learned Small pull requests get reviewed faster", where=dm("anna"))
    await say(app.bot, "learned Writing the test first clarifies the design", where=dm("anna"))
    await say(app.bot, "learned Standups work better standing", who="bo", where=dm("bo"))
    engine = engine_for(app)
    clock.advance(timedelta(days=1, minutes=1))
    await engine.tick()
    questions = [(where, message) for where, message in adapter.sent if "?" in message.text]
    answered = 0
    for where, message in questions:
        if where.id != dm("anna").id or "Small pull requests" not in all_text([message]):
            continue
        yes = message.blocks[-1].buttons[0]  # type: ignore[union-attr]
        await press(app.bot, yes.action_id, yes.value, where=dm("anna"))
        answered += 1
    assert answered == 1
    for where, message in questions:  # Bo says yes too: his are not Anna's
        if where.id == dm("bo").id:
            yes = message.blocks[-1].buttons[0]  # type: ignore[union-attr]
            await press(app.bot, yes.action_id, yes.value, who="bo", where=dm("bo"))
    applied = all_text(await say(app.bot, "learnings applied"))
    assert "Small pull requests" in applied and "Writing the test" not in applied and "Standups" not in applied
    assert "applied 1 of 2 learnings (50%)" in applied
    assert "✓ applied" in all_text(await say(app.bot, "learnings pull requests", who="cleo"))
    assert "did you use it" in all_text(await say(app.bot, "learnings applied", who="cleo"))


async def _channel_round(app: App, clock: ManualClock, *, anonymous: bool = False) -> tuple[Round, dict[str, int]]:
    async with app.sessions() as session:
        tenant = (await session.scalars(select(Tenant))).one()
        room = (
            await session.scalars(select(Conversation).where(Conversation.platform_conversation_id == "C-room"))
        ).one()
        members = {member.platform_user_id: member.id for member in await session.scalars(select(Member))}
        plan = RoundPlan(
            kind=KIND,
            tenant_id=tenant.id,
            audience=Audience.channel(room.id),
            conversation_id=room.id,
            due_at=clock.now(),
            window=Window(timedelta(hours=4)),
            anonymous=anonymous,
        )
        round = await app.conversations.open_round(session, plan)
        await session.commit()
    return round, members


async def test_search_finds_named_answers_to_channel_prompts_in_the_searchers_channels(
    app: App, clock: ManualClock
) -> None:
    for name in ("anna", "bo", "cleo"):
        await say(app.bot, "hello", who=name)
    await say(app.bot, "hello", who="dan", where=dm("dan"))
    await say(app.bot, "learned Deploy checklists belong in the repository")
    named, members = await _channel_round(app, clock)
    anonymous, _ = await _channel_round(app, clock, anonymous=True)
    async with app.sessions() as session:
        await save_response(
            session, named, members["U-bo"], {"answer": "Our deploy checklist caught a migration"}, clock.now()
        )
        await save_response(session, anonymous, members["U-cleo"], {"answer": "Deploys scare me secretly"}, clock.now())
        await session.commit()

    found = all_text(await say(app.bot, "learnings deploy checklist"))
    assert "Deploy checklists belong" in found  # the learning
    assert "Our deploy checklist caught a migration" in found and "answer to a prompt in #team-room" in found
    assert "Bo · " in found
    assert "scare me" not in all_text(await say(app.bot, "learnings deploys"))  # anonymous: never
    by_bo = all_text(await say(app.bot, "learnings checklist @bo"))
    assert "caught a migration" in by_bo and "belong in the repository" not in by_bo
    # Dan is in no channel with the prompt: its answers are not his to read.
    assert "caught a migration" not in all_text(
        await say(app.bot, "learnings deploy checklist", who="dan", where=dm("dan"))
    )
