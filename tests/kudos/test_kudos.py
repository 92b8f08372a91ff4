"""Kudos by command and by button (shared learnings in search results, a closed retro's summary), with the rules
a member meets: never to yourself, once per learning, a clear reason when it cannot be given."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from adapters.app import App
from bot.catalog import Translator
from bot.clock import ManualClock
from bot.db.models import Conversation, Member
from bot.kudos.commands import LEARNING_ACTION
from bot.kudos.tables import Kudos
from bot.learning.tables import Learning
from bot.model import Buttons, ConversationKind, ConversationRef, OutboundMessage
from bot.retros.outcome import RETRO_THANKS_ACTION, summary_message
from bot.retros.tables import Retro
from tests.kudos.support import ROOM, command, team_in_room
from tests.support import all_text, press


def buttons(messages: list[OutboundMessage]) -> list[tuple[str, str]]:
    return [
        (button.action_id, button.value)
        for message in messages
        for block in message.blocks
        if isinstance(block, Buttons)
        for button in block.buttons
    ]


async def kudos_rows(app: App) -> list[tuple[str, str | None, str, str | None]]:
    """(giver, receiver, source, reason) of every kudos, by display name."""
    async with app.sessions() as session:
        names = {member.id: member.display_name for member in await session.scalars(select(Member))}
        rows = await session.scalars(select(Kudos).order_by(Kudos.id))
        return [
            (names[row.giver_member_id] or "", names.get(row.receiver_member_id or 0), row.source, row.reason)
            for row in rows
        ]


def t(app: App) -> Translator:
    return app.catalog.translator("en")


async def test_kudos_command_in_a_channel_is_seen_by_all_and_counts_once_per_command(app: App) -> None:
    adapter = await team_in_room(app)
    [reply] = await command(app, "kudos @Bo for the clear <b>review</b>", "anna", "bo")
    assert not reply.private
    assert all_text([reply]).count("Anna gives kudos to Bo for the clear <b>review</b>") == 2  # fallback and block
    await command(app, "kudos @Bo", "cy", "bo")
    assert await kudos_rows(app) == [
        ("Anna", "Bo", "command", "the clear <b>review</b>"),
        ("Cy", "Bo", "command", None),
    ]
    # In a direct message only the colleague hears it, in their own chat with the bot.
    direct = ConversationRef("test", "T1", "D-U-dan", ConversationKind.DIRECT)
    [private] = await command(app, "kudos @Eva for pairing", "dan", "eva", where=direct)
    assert private.private and all_text([private]).startswith(t(app)("kudos.sent", name="Eva"))
    assert [message.text for where, message in adapter.sent if where.id == "D-U-eva"] == [
        "👏 Dan gave you kudos for pairing"
    ]


async def test_kudos_refuses_yourself_strangers_and_missing_names_clearly(app: App) -> None:
    await team_in_room(app)
    [own] = await command(app, "kudos @Anna", "anna", "anna")
    assert t(app)("kudos.yourself") in all_text([own]) and own.private
    [nobody] = await command(app, "kudos", "anna")
    assert "@colleague" in all_text([nobody])  # the usage names what is missing
    [typo] = await command(app, "kudos @Nobodyhere great", "anna")
    assert "Nobodyhere" in all_text([typo])
    [long] = await command(app, "kudos @Bo " + "x" * 600, "anna", "bo")
    assert t(app)("kudos.too_long", limit=500) in all_text([long])
    assert await kudos_rows(app) == []


async def test_kudos_button_under_shared_learnings_in_search_gives_once_and_tells_the_author(app: App) -> None:
    adapter = await team_in_room(app)
    await command(app, "learned Feature flags let us ship dark #deploy", "bo")
    await command(app, "learned --private Feature flags are scary #deploy", "cy")
    [results] = await command(app, "learnings #deploy", "anna")
    async with app.sessions() as session:
        shared = await session.scalar(select(Learning.id).where(Learning.private.is_(False)))
    assert buttons([results]) == [(f"{LEARNING_ACTION}:{shared}", str(shared))]  # none for a private one
    [own_results] = await command(app, "learnings #deploy", "bo")
    assert buttons([own_results]) == []  # no kudos button under your own learning
    [sent] = await press(app.bot, f"{LEARNING_ACTION}:{shared}", str(shared), "anna")
    [again] = await press(app.bot, f"{LEARNING_ACTION}:{shared}", str(shared), "anna")
    assert all_text([sent]).startswith("Kudos sent to Bo") and t(app)("kudos.already") in all_text([again])
    [forged] = await press(app.bot, f"{LEARNING_ACTION}:999", "999", "anna")
    assert t(app)("kudos.learning_gone") in all_text([forged])
    assert await kudos_rows(app) == [("Anna", "Bo", "button", None)]
    told = [message.text for where, message in adapter.sent if where.id == "D-U-bo"]
    assert told == ["👏 Anna gave you kudos for your learning: “Feature flags let us ship dark #deploy”"]  # once


async def test_closed_retro_summary_has_a_thanks_button_for_its_facilitator(app: App, clock: ManualClock) -> None:
    await team_in_room(app)
    async with app.sessions() as session:
        anna = await session.scalar(select(Member).where(Member.display_name == "Anna"))
        assert anna is not None
        room = await session.scalar(select(Conversation.id).where(Conversation.platform_conversation_id == ROOM.id))
        assert room is not None
        retro = Retro(
            tenant_id=anna.tenant_id,
            conversation_id=room,
            starter_member_id=anna.id,
            template="classic",
            phase="closed",
            created_at=clock.now() - timedelta(days=1),
            closed_at=clock.now(),
        )
        session.add(retro)
        await session.commit()
        summary = await summary_message(session, t(app), retro)
        open_retro = Retro(
            tenant_id=anna.tenant_id,
            conversation_id=room,
            starter_member_id=anna.id,
            template="classic",
            phase="collecting",
            created_at=clock.now(),
        )
        session.add(open_retro)
        await session.commit()
        collecting = await summary_message(session, t(app), open_retro)
    assert buttons([summary]) == [(RETRO_THANKS_ACTION, str(retro.id))]
    assert buttons([collecting]) == []
    [thanked] = await press(app.bot, RETRO_THANKS_ACTION, str(retro.id), "bo")
    [own] = await press(app.bot, RETRO_THANKS_ACTION, str(retro.id), "anna")
    [early] = await press(app.bot, RETRO_THANKS_ACTION, str(open_retro.id), "bo")
    assert all_text([thanked]).startswith("Kudos sent to Anna")
    assert t(app)("kudos.yourself") in all_text([own]) and t(app)("kudos.retro_gone") in all_text([early])
    assert await kudos_rows(app) == [("Bo", "Anna", "button", None)]
