"""The core's routing: first contact, language, help for bad input, actions, interceptors."""

from __future__ import annotations

from sqlalchemy import select

from adapters.app import App
from bot.commands.spec import Args, Role
from bot.db.models import Conversation, Member, Tenant
from bot.model import ConversationKind, ConversationRef, OutboundMessage, Profile
from bot.turn import Turn
from tests.support import ROOM, RecordingAdapter, add_test_command, all_text, press, say, user


async def test_first_contact_takes_name_language_timezone_and_role_from_the_platform(app: App) -> None:
    adapter = RecordingAdapter()
    adapter.profiles["U-sofie"] = Profile("Sofie Holm", "da-DK", "Europe/Copenhagen", is_manager=True)
    app.notifier.register(adapter)
    replies = await say(app.bot, "help", who="sofie")
    assert "learnbot – det kan jeg" in all_text(replies)
    async with app.sessions() as session:
        member = (await session.scalars(select(Member))).one()
        assert (member.display_name, member.language, member.timezone, member.role) == (
            "Sofie Holm",
            "da",
            "Europe/Copenhagen",
            "manager",
        )


async def test_profile_failure_does_not_lose_the_message(app: App) -> None:
    class Broken(RecordingAdapter):
        async def fetch_profile(self, user: object) -> Profile | None:
            raise RuntimeError("users.info down")

    app.notifier.register(Broken())
    assert "Saved" in all_text(await say(app.bot, "learned still saved"))


async def test_tenant_member_and_conversation_are_created_once(app: App) -> None:
    for _ in range(3):
        await say(app.bot, "help")
    async with app.sessions() as session:
        assert len((await session.scalars(select(Tenant))).all()) == 1
        assert len((await session.scalars(select(Member))).all()) == 1
        conversation = (await session.scalars(select(Conversation))).one()
        assert (conversation.kind, conversation.name) == ("channel", "team-room")


async def test_conversation_reference_is_refreshed(app: App) -> None:
    await say(app.bot, "help", where=ConversationRef("test", "T1", "C-room", raw={"serviceUrl": "old"}))
    await say(app.bot, "help", where=ConversationRef("test", "T1", "C-room", raw={"serviceUrl": "new"}))
    async with app.sessions() as session:
        assert (await session.scalars(select(Conversation))).one().reference == {"serviceUrl": "new"}


async def test_language_is_remembered_and_unknown_language_explains(app: App) -> None:
    assert "taler jeg dansk" in all_text(await say(app.bot, "language da"))
    assert "Jeg taler dansk med dig" in all_text(await say(app.bot, "language"))
    refused = all_text(await say(app.bot, "language klingon"))
    assert "Jeg taler ikke “klingon”" in refused and "sprog [da|sv|en]" in refused
    assert "pratar jag svenska" in all_text(await say(app.bot, "sprog sv"))


async def test_timezone_set_shows_local_time_and_suggests_near_misses(app: App) -> None:
    # The test clock is 08:00 UTC, which is 09:00 in Stockholm in November.
    assert "Europe/Stockholm (it is 09:00 there)" in all_text(await say(app.bot, "timezone europe/stockholm"))
    assert "Did you mean Europe/Stockholm?" in all_text(await say(app.bot, "timezone Europe/Stokholm"))
    assert "not a time zone I know" in all_text(await say(app.bot, "timezone Mars/Olympus_Mons"))
    assert "Your time zone is Europe/Stockholm" in all_text(await say(app.bot, "timezone"))


async def test_unknown_command_gets_help_for_the_nearest_command(app: App) -> None:
    text = all_text(await say(app.bot, "lerned something"))
    assert "Did you mean learned?" in text and "learned <what you learned>" in text
    text = all_text(await say(app.bot, "what is this"))
    assert "I don't know the command “what”" in text and "learnings [search words]" in text


async def test_help_for_one_command_and_for_an_unknown_one(app: App) -> None:
    assert "Examples: learnings · learnings git" in all_text(await say(app.bot, "help learnings"))
    assert "Did you mean timezone?" in all_text(await say(app.bot, "help timezon"))


async def test_every_reply_to_bad_input_is_private(app: App) -> None:
    for text in ["", "zzz", "learned", "timezone nowhere", "x" * 40_001]:
        replies = await say(app.bot, text)
        assert replies and all(reply.private for reply in replies), text


async def test_stale_buttons_answer_clearly(app: App) -> None:
    assert "expired" in all_text(await press(app.bot, "no.such.action"))
    assert "expired" in all_text(await press(app.bot, "learnings.page", "not json"))


async def test_unaddressed_messages_are_ignored_unless_intercepted(app: App) -> None:
    assert await say(app.bot, "help", addressed=False) == []

    async def answers(turn: Turn, message: object) -> list[OutboundMessage] | None:
        return [OutboundMessage.plain("thanks")] if turn.thread_id == "prompt-1" else None

    app.bot.intercept(answers)
    assert all_text(await say(app.bot, "my answer", addressed=False, thread_id="prompt-1")) == "thanks\nthanks"
    assert "learnbot – what I can do" in all_text(await say(app.bot, "help"))


async def test_manager_commands_are_refused_to_members_saying_who_can(app: App) -> None:
    async def secret(turn: Turn, args: Args) -> list[OutboundMessage]:
        return [OutboundMessage.plain("ok")]

    add_test_command(app.bot, "secret", secret, role=Role.MANAGER)
    refused = all_text(await say(app.bot, "secret"))
    assert "Only managers and admins can use secret." in refused and "Nobody in this team has that role yet" in refused
    await say(app.bot, "help", who="carl")
    async with app.sessions() as session:
        carl = await session.scalar(select(Member).where(Member.platform_user_id == "U-carl"))
        assert carl is not None
        carl.role = "manager"
        await session.commit()
    assert "Ask Carl." in all_text(await say(app.bot, "secret"))
    assert all_text(await say(app.bot, "secret", who="carl")) == "ok\nok"


async def test_direct_conversations_are_stored_as_direct(app: App) -> None:
    dm = ConversationRef("test", "T1", "D-anna", ConversationKind.DIRECT)
    await say(app.bot, "help", where=dm)
    async with app.sessions() as session:
        kinds = {c.platform_conversation_id: c.kind for c in (await session.scalars(select(Conversation)))}
    assert kinds == {"D-anna": "direct"}
    assert user("anna").id == "U-anna" and ROOM.id == "C-room"


async def test_hints_fill_a_members_missing_language_but_never_override_a_choice(app: App) -> None:
    await app.membership.record_members(ROOM, [user("finn")])  # known from a roster: no locale, no zone
    hint = Profile(locale="sv-SE", timezone="Europe/Stockholm")
    assert "det här kan jag" in all_text(await say(app.bot, "help", who="finn", profile=hint))
    await say(app.bot, "language en", who="finn")
    assert "what I can do" in all_text(await say(app.bot, "help", who="finn", profile=Profile(locale="da-DK")))
    async with app.sessions() as session:
        member = await session.scalar(select(Member).where(Member.platform_user_id == "U-finn"))
        assert member is not None and (member.language, member.timezone) == ("en", "Europe/Stockholm")


async def test_housekeeping_forgets_event_ids_past_the_retry_window(app: App) -> None:
    from datetime import timedelta

    from bot.db.models import InboundEvent
    from bot.inbound_events import claim

    assert await claim(app.sessions, "slack", "Ev-old", app.clock.now() - timedelta(days=2))
    assert await claim(app.sessions, "slack", "Ev-new", app.clock.now() - timedelta(hours=1))
    await app.housekeeping()
    async with app.sessions() as session:
        assert list(await session.scalars(select(InboundEvent.event_id))) == ["Ev-new"]
    assert not await claim(app.sessions, "slack", "Ev-new", app.clock.now())  # still deduplicated


async def test_help_for_a_sub_command_in_the_members_language(app: App) -> None:
    await say(app.bot, "språk sv")
    text = all_text(await say(app.bot, "hjälp nudge ta bort"))
    assert "nudge ta bort <nummer>" in text and "Tar bort en nudge" in text
    overview = all_text(await say(app.bot, "hjälp"))
    assert "nudge lägg till|lista|ta bort|pausa|återuppta …" in overview and "pausa [till ÅÅÅÅ-MM-DD]" in overview
    example = all_text(await say(app.bot, "hjälp pausa"))
    assert "pausa till 2027-01-22" in example  # 60 days after the test clock's today: never a past date


async def test_commands_declared_for_one_place_say_where_they_work(app: App) -> None:
    from bot.commands.spec import Place

    async def private(turn: Turn, args: Args) -> list[OutboundMessage]:
        return [OutboundMessage.plain("ok")]

    add_test_command(app.bot, "secretly", private, place=Place.DIRECT)
    assert "secretly works in a direct message with me." in all_text(await say(app.bot, "secretly"))
    dm = ConversationRef("test", "T1", "D-anna", ConversationKind.DIRECT)
    assert all_text(await say(app.bot, "secretly", where=dm)) == "ok\nok"
