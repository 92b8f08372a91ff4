"""Forget me: after the confirmation, nothing in any table names the member, while the team's counts stay."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.responses import respondent_key
from bot.conversations.tables import Response, Round
from bot.db.models import Member
from bot.learning.tables import Learning
from bot.privacy import audit
from tests.engine_support import adapter_for, dm
from tests.privacy_support import busy_team, button_value, counts, dump, member_ids, traces
from tests.support import all_text, press, say

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


async def test_forget_me_keeping_learnings_leaves_no_trace_and_counts_unchanged(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter_for(app)
    await busy_team(app, clock)
    async with app.sessions() as session:
        zelda = (await member_ids(session))["U-zelda"]
    before = await counts(app)
    assert before["responses"] == 6 and before["learnings"] == 2
    found_before = traces(await dump(app), zelda, "U-zelda", "Zelda")
    # The walk sees her everywhere she is: the check below is not vacuous.
    for table in ("members", "learnings", "conversation_responses", "conversation_deliveries", "member_settings"):
        assert any(problem.startswith(table) for problem in found_before), table

    asked = await say(app.bot, "glem mig", who="zelda", where=dm("zelda"))  # she chose Danish
    value = button_value(asked, "privacy.forget:keep")
    assert "Intet" not in all_text(asked)
    refused = await press(app.bot, "privacy.forget:keep", value, who="bo", where=dm("bo"))
    assert "for the member who" in all_text(refused)  # Bo cannot press Zelda's button
    done = await press(app.bot, "privacy.forget:keep", value, who="zelda", where=dm("zelda"))
    assert "reference" in all_text(done)

    after = await dump(app)
    assert traces(after, zelda, "U-zelda", "Zelda") == []
    assert await counts(app) == before  # the team's counts are unchanged
    async with app.sessions() as session:  # the open anonymous round's secret no longer finds her answer
        [open_round] = await session.scalars(select(Round).where(Round.state == "open", Round.anonymous.is_(True)))
        respondents = list(await session.scalars(select(Response.respondent).where(Response.round_id == open_round.id)))
        assert len(respondents) == 2 and respondent_key(open_round, zelda) not in respondents
    [installation] = after["slack_installations"]  # the workspace keeps working; her user token is gone
    assert (installation["bot_token"], installation["user_token"]) == ("xoxb-1", None)
    # Her learning stays for the team, without author.
    found = all_text(await say(app.bot, "learnings standups", who="bo"))
    assert "Short standups need a clear owner" in found and "a former colleague" in found
    async with app.sessions() as session:
        entries = await audit.entries(session)
    assert [(entry.action, entry.by) for entry in entries] == [("forget", "self")]

    # A fresh message from the same platform user starts a new, empty member.
    again = all_text(await say(app.bot, "learnings", who="zelda", where=dm("zelda")))
    assert "not logged anything" in again
    async with app.sessions() as session:
        assert (await member_ids(session))["U-zelda"] != zelda


async def test_forget_me_erasing_learnings_removes_them_and_keeps_the_others(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter_for(app)
    await busy_team(app, clock)
    async with app.sessions() as session:
        zelda = (await member_ids(session))["U-zelda"]
    before = await counts(app)
    value = button_value(await say(app.bot, "forget me", who="zelda", where=dm("zelda")), "privacy.forget:erase")
    await press(app.bot, "privacy.forget:erase", value, who="zelda", where=dm("zelda"))
    assert traces(await dump(app), zelda, "U-zelda", "Zelda") == []
    after = await counts(app)
    assert after == {**before, "learnings": before["learnings"] - 1}
    async with app.sessions() as session:
        texts = [learning.text for learning in await session.scalars(select(Learning))]
    assert texts == ["Pairing beats reviews #code"]


async def test_cancel_and_channel_leave_everything(app: App, clock: ManualClock) -> None:
    clock.set(MONDAY_0600)
    adapter_for(app)
    await say(app.bot, "learned Something #x", who="zelda")
    value = button_value(await say(app.bot, "forget me", who="zelda"), "privacy.forget:cancel")  # in the channel
    cancelled = await press(app.bot, "privacy.forget:cancel", value, who="zelda")
    assert "Nothing was erased" in all_text(cancelled)
    async with app.sessions() as session:
        assert (await session.scalars(select(Member).where(Member.platform_user_id == "U-zelda"))).one()
        assert len((await session.scalars(select(Learning))).all()) == 1
