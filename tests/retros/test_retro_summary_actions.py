"""A summary item becomes an action item by its button: a small form (what, owner from the channel, due date),
the owner told by DM, the summary updated in place with the action; a bad date or a forged button is refused
with a clear message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.db.models import Member
from bot.model import InboundAction
from bot.retros.tables import RetroAction
from tests.retros.terminal_script import Session, Step

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_a_summary_item_becomes_an_action_item(app: App, clock: ManualClock) -> None:
    clock.set(START)
    s = Session(app, clock, START)
    steps: list[Step] = ["hello", ":as Bo", "hello", ":as Cy", "hello", ":as Anna", "retro start for 1h"]
    steps += [s.at(timedelta(0)), ":as Bo", s.press("conversation.answer", conversation="dm-bo")]
    steps += ["Pairing", ".", "Deploys are slow", "Flaky tests", ".", "Small pull requests", "."]
    steps += [":as Anna", s.mark("summary"), s.at(timedelta(hours=1)), s.mark("pressed")]
    # Anna presses "Action: Deploys are slow" (item 2), keeps its text, picks Cy (3rd by name), a date gone by.
    steps += [s.press("retro.item_action", "1:2"), "", "3", "2026-11-01", s.mark("past")]
    steps += [s.press("retro.item_action", "1:2"), "Speed up deploys", "3", "31.12.2026", s.mark("added")]
    steps += [s.press("retro.item_action", "1:2"), "", "", "someday", s.mark("bad_date")]
    steps += [s.at(timedelta(hours=1, minutes=1)), s.mark("cy"), ":as Cy"]
    await s.run(steps)

    summary = s.between("summary", "pressed")
    assert "➕ Action: Deploys are slow" in summary and "➕ Action: Small pull requests" in summary
    form = s.between("pressed", "past")
    assert "New action item" in form and "1) Anna" in form and "3) Cy" in form
    assert "That due date has passed already." in form
    added = s.between("past", "added")
    assert "Speed up deploys — Cy (due 2026-12-31)" in added
    assert "updated" in added and "Action items:" in added  # the summary, in place, now lists it
    assert "“someday” is no date" in s.between("added", "bad_date")
    assert "You own an action item from the retro: Speed up deploys (due 2026-12-31)" in s.between("cy")
    async with app.sessions() as session:
        action = (await session.scalars(select(RetroAction))).one()
        cy = (await session.scalars(select(Member).where(Member.display_name == "Cy"))).one()
        assert (action.text, action.owner_member_id, action.retro_id) == ("Speed up deploys", cy.id, 1)


async def test_a_forged_summary_button_is_refused(app: App, clock: ManualClock) -> None:
    clock.set(START)
    s = Session(app, clock, START)
    await s.run(["hello", "retro start for 1h", s.at(timedelta(0))])
    channel = next(
        sent.conversation for _, sent in s.adapter.buttons.values() if sent.conversation.kind.value != "direct"
    )
    for value in ("1:1", "x", "99:1", "1:99999999999"):
        replies = await app.bot.handle_action(InboundAction(s.chat.user, channel, "retro.item_action", value))
        assert replies and replies[0].text.startswith("That button"), (value, replies)
