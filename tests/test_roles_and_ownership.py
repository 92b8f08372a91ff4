"""Roles and ownership as a new team meets them in `learnbot chat`, and the same rules in Swedish and Danish."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from adapters.app import App
from adapters.console.adapter import ConsoleAdapter
from adapters.console.chat import ConsoleChat, ReadLine
from adapters.console.render import Style
from bot.conversations.tables import Series
from bot.db.models import Member
from bot.people.tables import MemberSettings
from tests.engine_support import dm
from tests.support import RecordingAdapter, all_text, say


def lines(*typed: str) -> ReadLine:
    queue = list(typed)

    async def read(prompt: str) -> str | None:
        return queue.pop(0) if queue else None

    return read


async def chat(app: App, *typed: str, name: str = "Anna") -> str:
    out = io.StringIO()
    adapter = ConsoleAdapter(out, Style(), app.catalog)
    app.notifier.register(adapter)
    session = ConsoleChat(app.bot, adapter, app.catalog.translator("en"), out, name=name, team="T", echo=True)
    await session.run(lines(*typed))
    return out.getvalue()


def after(transcript: str, typed: str) -> str:
    """What the bot answered to the line `typed` (up to the next typed line)."""
    rest = transcript.split(typed + "\n", 1)[1]
    answer = rest.split("> ", 1)[0] if "> " in rest else rest
    return " ".join(answer.split())  # the terminal wraps long lines


async def test_owners_see_their_nudges_and_a_granted_manager_may_change_the_channels(app: App) -> None:
    transcript = await chat(
        app,
        "nudge add daily 09:00 me",
        "nudge add weekdays 10:00",
        ":as Bo",
        "nudge list",
        "nudge remove 1",
        "nudge remove 2",
        "role grant @Bo manager",
        ":as Anna",
        "role grant @Bo manager",
        ":as Bo",
        "nudge remove 2",
        "role grant @Cleo admin",
        "role list",
    )
    bo_list = after(transcript, "Bo> nudge list")
    assert "#2" in bo_list and "#1" not in bo_list
    assert "There is no nudge 1 here." in after(transcript, "Bo> nudge remove 1")
    refused = after(transcript, "Bo> nudge remove 2")
    assert "only Anna, who added it, managers and admins can change it" in refused and "Ask Anna." in refused
    assert "Only managers and admins can use role grant. Ask Anna." in after(transcript, "Bo> role grant @Bo manager")
    assert "Bo is now manager." in after(transcript, "Anna> role grant @Bo manager")
    assert "Only admins can make someone admin. Ask Anna." in after(transcript, "Bo> role grant @Cleo admin")
    assert "Nudge 2 removed." in transcript.rsplit("Bo> nudge remove 2", 1)[1]
    assert "• Anna – admin" in after(transcript, "Bo> role list") and "• Bo – manager" in transcript
    async with app.sessions() as session:
        assert [schedule.id for schedule in await session.scalars(select(Series))] == [1]
        roles = {m.display_name: (m.role, m.role_source) for m in await session.scalars(select(Member))}
    # Cleo was mentioned, so she exists now (as on a real platform), with no role.
    assert roles == {"Anna": ("admin", "granted"), "Bo": ("manager", "granted"), "Cleo": ("member", None)}


async def test_roles_survive_switching_members_and_the_last_admin_stays(app: App) -> None:
    transcript = await chat(app, "role revoke @Anna", ":as Cleo", "holidays team DK", ":as Anna", "holidays team DK")
    assert "The team needs at least one admin" in transcript
    assert "Only managers and admins can use holidays team. Ask Anna." in after(transcript, "Cleo> holidays team DK")
    assert "The team's holiday country is now DK." in after(transcript, "Anna> holidays team DK")


async def test_swedish_and_danish_members_use_their_own_words(app: App) -> None:
    app.notifier.register(RecordingAdapter())
    await say(app.bot, "språk sv", who="sven", where=dm("sven"))
    assert "Nudge 1 tillagd" in all_text(
        await say(app.bot, "nudge lägg till dagligen 08:00", who="sven", where=dm("sven"))
    )
    assert "Nudge 1 borttagen." in all_text(await say(app.bot, "nudge ta bort 1", who="sven", where=dm("sven")))
    assert "Pausad" in all_text(await say(app.bot, "paus", who="sven", where=dm("sven")))
    assert "inga fler frågor" in all_text(await say(app.bot, "stopp", who="sven", where=dm("sven")))
    await say(app.bot, "sprog da", who="dorte", where=dm("dorte"))
    added = all_text(await say(app.bot, "nudge tilføj hverdage 09:00", who="dorte", where=dm("dorte")))
    number = re.search(r"Nudge (\d+) tilføjet", added)
    assert number is not None, added
    removed = all_text(await say(app.bot, f"nudge fjern {number.group(1)}", who="dorte", where=dm("dorte")))
    assert f"Nudge {number.group(1)} fjernet." in removed
    assert "På pause" in all_text(await say(app.bot, "pause til 2027-01-02", who="dorte", where=dm("dorte")))
    async with app.sessions() as session:
        preferences = {p.member_id: (p.paused, p.opted_out) for p in await session.scalars(select(MemberSettings))}
    assert sorted(preferences.values()) == [(True, False), (True, True)]


async def test_usage_errors_speak_the_members_language_and_never_raise(app: App) -> None:
    app.notifier.register(RecordingAdapter())
    await say(app.bot, "språk sv", who="sven")
    for text in ["nudge ta bort ²", "nudge ta bort " + "9" * 30, "pausa till ①", "nudge ta bort"]:
        reply = all_text(await say(app.bot, text, who="sven"))
        assert "nudge ta bort <nummer>" in reply or "pausa [till ÅÅÅÅ-MM-DD]" in reply, (text, reply)
    assert "Nummer måste vara ett heltal från 1 till 2147483647, inte ”²”" in all_text(
        await say(app.bot, "nudge ta bort ²", who="sven")
    )


async def test_slack_admin_flag_is_rechecked_and_a_platform_admin_is_demoted(app: App) -> None:
    from datetime import timedelta

    from bot.model import Profile

    adapter = RecordingAdapter()
    adapter.profiles["U-anna"] = Profile("Anna", is_admin=True, states_roles=True)
    app.notifier.register(adapter)
    await say(app.bot, "help")
    adapter.profiles["U-anna"] = Profile("Anna", is_admin=False, states_roles=True)
    await say(app.bot, "help")  # within a day: not asked again
    assert isinstance(app.clock, type(app.clock))
    app.clock.advance(timedelta(hours=25))  # type: ignore[attr-defined]
    await say(app.bot, "help")
    async with app.sessions() as session:
        anna = await session.scalar(select(Member))
        assert anna is not None and (anna.role, anna.role_source) == ("member", None)


async def test_dm_prompts_wait_for_their_member_and_reply_answers_them(app: App) -> None:
    from datetime import timedelta

    from bot.clock import ManualClock
    from bot.conversations.tables import Response

    out = io.StringIO()
    adapter = ConsoleAdapter(out, Style(), app.catalog)
    app.notifier.register(adapter)
    assert isinstance(app.clock, ManualClock)
    clock = app.clock

    async def next_morning() -> None:
        clock.advance(timedelta(days=1))
        await app.conversations.tick()

    script: list[object] = ["help", ":as Bo", "help", ":as Anna", "nudge add daily 09:00 dm", next_morning]
    script += ["reply Pairing on the deploy", ":as Bo", "reply 99 nothing there", "reply Reading logs first"]

    async def read(prompt: str) -> str | None:
        while script and callable(script[0]):
            await script.pop(0)()  # type: ignore[operator]
        return str(script.pop(0)) if script else None

    session = ConsoleChat(app.bot, adapter, app.catalog.translator("en"), out, name="Anna", team="T", echo=True)
    await session.run(read)
    transcript = out.getvalue()
    assert "(a direct message for Bo is waiting – type :as Bo to read it)" in transcript
    bo_part = transcript.split("You are now Bo.", 2)[2]
    assert "Daily reflection" in bo_part  # shown once Bo is at the keyboard
    assert "There is no message #99 to reply to here." in bo_part
    async with app.sessions() as db:
        answers = sorted(r.answers.get("answer") for r in await db.scalars(select(Response)))
    assert answers == ["Pairing on the deploy", "Reading logs first"]
