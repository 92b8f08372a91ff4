"""The weekly digest as a channel meets it: turned on by a manager, posted on its day at the team's local time with
a manual clock, skipped on a public holiday, kudos counted, every figure about people behind the k-anonymity rule,
and nothing of an anonymous retro that its summary did not show."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from adapters.app import App
from adapters.teams.cards import render as teams_render
from bot.clock import ManualClock
from bot.conversations.tables import Delivery, Response, Round
from bot.db.models import Conversation, Member
from bot.digest.kind import KIND
from bot.kudos.commands import LEARNING_ACTION
from bot.learning.tables import Learning
from bot.model import Buttons, OutboundMessage
from bot.retros.outcome import summary_message
from bot.retros.tables import Retro, RetroItem
from tests.kudos.support import ROOM, TEAM, command, team_in_room, used_it
from tests.support import RecordingAdapter, all_text, press
from tests.teams.test_cards import _validate

HIDDEN = ("Hidden fourth group", "Hidden fifth group")


def utc(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", content[16:24])
    return width, height


async def anonymous_retro(app: App, now: datetime) -> None:
    """A closed anonymous retro in the room: five learning groups (its summary shows three) and a raw answer."""
    async with app.sessions() as session:
        room = await session.scalar(select(Conversation).where(Conversation.platform_conversation_id == ROOM.id))
        anna = await session.scalar(select(Member).where(Member.display_name == "Anna"))
        assert room is not None and anna is not None
        collect = Round(
            kind="retro.collect",
            tenant_id=room.tenant_id,
            conversation_id=room.id,
            due_at=now,
            closes_at=now,
            state="closed",
            anonymous=True,
            created_at=now,
        )
        session.add(collect)
        await session.flush()
        session.add(
            Response(
                round_id=collect.id,
                respondent="h-abc",
                answers={"q3": "SECRET raw answer"},
                created_at=now,
                updated_at=now,
            )
        )
        retro = Retro(
            tenant_id=room.tenant_id,
            conversation_id=room.id,
            starter_member_id=anna.id,
            template="classic",
            title="Sprint 48",
            anonymous=True,
            phase="closed",
            collect_round_id=collect.id,
            answered=6,
            created_at=now,
            closed_at=now,
        )
        session.add(retro)
        await session.flush()
        texts = ("Top voted learning\nsaid alike", "Second learning", "Third learning", *HIDDEN)
        session.add_all(
            RetroItem(retro_id=retro.id, question="q3", number=n + 1, text=text, size=1, votes=5 - n)
            for n, text in enumerate(texts)
        )
        await session.commit()


async def applied_and_streaks(app: App, now: datetime) -> None:
    """Five colleagues said this week that they used their learning, and answered their fifth prompt in a row;
    Finn used his too, but nobody else reached a streak milestone with him."""
    async with app.sessions() as session:
        members = {m.display_name: m for m in await session.scalars(select(Member))}
        shared = select(Learning).where(Learning.private.is_(False))
        learnings = {learning.member_id: learning for learning in await session.scalars(shared)}
        for name in ("Anna", "Bo", "Cy", "Dan", "Eva", "Finn"):
            member = members[name]
            await used_it(session, member, learnings[member.id], now, now)
            # Four answered prompts before this week, and one in it (Finn: only the one in it).
            for days in (-30, -20, -12, -9, -1) if name != "Finn" else (-1,):
                due = now + timedelta(days=days)
                nudge = Round(
                    kind="nudge",
                    tenant_id=member.tenant_id,
                    due_at=due,
                    closes_at=due + timedelta(hours=2),
                    state="closed",
                    created_at=due,
                )
                session.add(nudge)
                await session.flush()
                session.add(
                    Delivery(
                        idempotency_key=f"n{nudge.id}",
                        purpose="invitation",
                        tenant_id=member.tenant_id,
                        round_id=nudge.id,
                        member_id=member.id,
                        due_at=due,
                        state="sent",
                        not_before=due,
                        created_at=due,
                    )
                )
                session.add(
                    Response(
                        round_id=nudge.id,
                        respondent=f"m{member.id}",
                        member_id=member.id,
                        answers={"answer": "fine"},
                        created_at=due,
                        updated_at=due,
                    )
                )
        await session.commit()


def room_posts(adapter: RecordingAdapter) -> list[OutboundMessage]:
    return [message for where, message in adapter.sent if where.id == ROOM.id]


async def test_digest_posts_on_friday_at_local_time_skips_a_holiday_and_counts_kudos(
    app: App, clock: ManualClock
) -> None:
    adapter = await team_in_room(app)
    # Only a manager turns it on, and only in a channel; anyone there may ask about it.
    [refused] = await command(app, "digest on", "bo")
    assert "manager" in all_text([refused]).lower()
    await command(app, "holidays team DK", "anna")
    [on] = await command(app, "digest on fri 14:00", "anna")
    assert not on.private and "Fridays at 14:00 (Europe/Copenhagen); next on 2026-11-27 14:00" in on.text
    assert "Public holidays in DK are skipped." in on.text
    [moved] = await command(app, "digest on thu 09:00", "anna")
    assert "Thursdays at 09:00 (Europe/Copenhagen); next on 2026-11-26 09:00" in moved.text
    [on] = await command(app, "digest on fri 14:00", "anna")
    [status] = await command(app, "digest", "cy")
    assert "next on 2026-11-27 14:00" in status.text and status.private
    # The week: everyone logs a shared learning in the room; Bo's gets five kudos, Cy's one; a private one none.
    for name in TEAM:
        await command(app, f"learned {name.capitalize()} learned about #flags today", name)
    await command(app, "learned --private nobody sees this one", "dan")
    async with app.sessions() as session:
        ids = {
            author.display_name: learning.id
            for learning, author in await session.execute(select(Learning, Member).join(Member))
            if not learning.private
        }
    for giver in ("anna", "cy", "dan", "eva", "finn"):
        await press(app.bot, f"{LEARNING_ACTION}:{ids['Bo']}", str(ids["Bo"]), giver)
    await press(app.bot, f"{LEARNING_ACTION}:{ids['Cy']}", str(ids["Cy"]), "bo")
    await anonymous_retro(app, utc(11, 26, 12))
    await applied_and_streaks(app, utc(11, 26, 9))
    adapter.sent.clear()

    clock.set(utc(11, 27, 12, 59))  # 13:59 in Copenhagen
    await app.conversations.tick()
    assert room_posts(adapter) == []
    clock.set(utc(11, 27, 13))  # 14:00 local
    await app.conversations.tick()
    [digest] = room_posts(adapter)
    text = all_text([digest])
    assert "The week's learning story – 2026-11-27" in text
    top = text.split("Most appreciated shared learnings this week:", 1)[1]
    assert top.index("Bo learned about #flags today") < top.index("Cy learned about #flags today")
    assert "Bo · 👏 5" in text and "Cy · 👏" not in text  # one giver: a figure about one person is not shown
    assert "6 shared learnings logged this week." in text and "6 kudos given this week." in text
    assert "✅ 6 learnings put to use this week." in text and "🔥 5 colleagues reached a streak milestone." in text
    assert "nobody sees this one" not in text
    # The anonymous retro: exactly what its summary showed, nothing else of it.
    assert "Learnings from the retro Sprint 48:\n• Top voted learning\n• Second learning\n• Third learning" in text
    assert all(hidden not in text for hidden in HIDDEN) and "SECRET" not in text and "said alike" not in text
    async with app.sessions() as session:
        retro = await session.scalar(select(Retro))
        assert retro is not None
        summary = all_text([await summary_message(session, app.catalog.translator("en"), retro)])
    assert all(line.removeprefix("• ") in summary for line in text.split("Sprint 48:\n", 1)[1].split("\n")[:3])
    # Kudos from the digest itself: its buttons work like those under search results.
    kudos_buttons = [b for block in digest.blocks if isinstance(block, Buttons) for b in block.buttons]
    assert [b.action_id for b in kudos_buttons] == [f"{LEARNING_ACTION}:{ids['Bo']}", f"{LEARNING_ACTION}:{ids['Cy']}"]
    # One chart, sent as a file to the room.
    [(where, chart)] = adapter.files
    assert where.id == ROOM.id and chart.media_type == "image/png" and png_size(chart.content) == (800, 400)
    assert len(set(chart.content[100:])) > 50  # not a blank image

    # A quiet week: figures about fewer than five people are withheld, and the reason is said.
    clock.set(utc(12, 4, 13))
    await app.conversations.tick()
    quiet = all_text(room_posts(adapter)[1:])
    assert "Learnings logged: Not shown: fewer than 5 people are behind this figure." in quiet
    for day in (11, 18):
        clock.set(utc(12, day, 13))
        await app.conversations.tick()
    assert len(room_posts(adapter)) == 4
    # Christmas Day is a Friday and a Danish public holiday: no digest.
    clock.set(utc(12, 25, 13))
    await app.conversations.tick()
    assert len(room_posts(adapter)) == 4
    async with app.sessions() as session:
        skipped = (
            await session.execute(
                select(Delivery.state, Delivery.reason, Delivery.due_at)
                .join(Round, Round.id == Delivery.round_id)
                .where(Round.kind == KIND)
                .order_by(Delivery.due_at)
            )
        ).all()
    assert [state for state, _, _ in skipped] == ["sent", "sent", "sent", "sent", "skipped"]
    assert skipped[-1][1] == "holiday:DK"
    # Off again: nothing more.
    [off] = await command(app, "digest off", "anna")
    assert not off.private
    clock.set(utc(1, 8, 13, year=2027))
    await app.conversations.tick()
    assert len(room_posts(adapter)) == 4
    [status] = await command(app, "digest", "cy")
    assert "off" in status.text

    # The digest, `my stats` and search results with their kudos buttons pass Microsoft's Adaptive Cards parser.
    [stats] = await command(app, "my stats", "bo")
    [found] = await command(app, "learnings #flags", "anna")
    cards = [activity["attachments"][0]["content"] for m in (digest, stats, found) for activity in teams_render(m)]
    assert len(cards) >= 3
    assert [result["problems"] for result in _validate(cards)] == [[] for _ in cards]


async def test_digest_in_danish_and_only_in_channels(app: App, clock: ManualClock) -> None:
    adapter = await team_in_room(app)
    await command(app, "language da", "anna")
    [on] = await command(app, "fredagsfortælling til tor 15:30", "anna")
    assert "torsdage kl. 15:30" in on.text
    from bot.model import ConversationKind, ConversationRef

    direct = ConversationRef("test", "T1", "D-U-anna", ConversationKind.DIRECT)
    [there] = await command(app, "fredagsfortælling til", "anna", where=direct)
    assert "kanal" in there.text
    [bad] = await command(app, "fredagsfortælling til fre 25:00", "anna")
    assert "25:00" in all_text([bad])
    # Posted in the language it was turned on in, on Thursday 15:30 Copenhagen time.
    clock.set(utc(11, 26, 14, 30))
    await app.conversations.tick()
    [posted] = room_posts(adapter)
    assert posted.language == "da" and "📖 Ugens læringsfortælling – 2026-11-26" in posted.text
