"""An anonymous retro's learnings are found by the learning log's search, in the terminal as members use it:
marked with the retro they came from, naming no one, for members of the retro's channel only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.db.models import Member
from bot.learning.search import Filters
from bot.learning.sources import SourceQuery
from bot.learning.tables import Learning
from bot.retros.search import AnonymousRetroLearnings
from bot.retros.tables import Retro
from tests.retros.terminal_script import Session, Step

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _answer(s: Session, who: str, learned: str) -> list[Step]:
    return [s.press("conversation.answer", conversation=f"dm-{who}"), "Calm week", ".", "-", ".", learned, "."]


async def test_an_anonymous_retros_learnings_are_found_without_names(app: App, clock: ManualClock) -> None:
    clock.set(START)
    s = Session(app, clock, START)
    # Five answer: fewer and the summary (and with it the learnings) would be withheld (k-anonymity).
    steps: list[Step] = ["hello"]
    for name in ("Bo", "Cy", "Di", "Ed", "Fi"):
        steps += [f":as {name}", "hello"]
    steps += [":as Anna"]
    steps += ["retro start for 1h anonymous title Release 4.2", s.at(timedelta(0))]
    steps += [":as Bo", *_answer(s, "bo", "Feature flags make releases calm")]
    steps += [":as Cy", *_answer(s, "cy", "Feature flags keep releases calm")]
    steps += [":as Di", *_answer(s, "di", "Pairing catches migrations early")]
    steps += [":as Ed", *_answer(s, "ed", "Smaller batches ship sooner")]
    steps += [":as Fi", *_answer(s, "fi", "Demos keep everyone honest")]
    steps += [s.mark("closed"), s.at(timedelta(hours=1))]
    steps += [":as Bo", "learned Feature flags need an owner", s.mark("search"), "learnings feature flag"]
    steps += [s.mark("tag"), "learnings #retro-1", s.mark("by_member"), "learnings flags @Bo", s.mark("end")]
    await s.run(steps)

    # The summary says where its learnings go.
    assert "Its learnings are found by learnings search" in s.between("closed", "search")
    found = s.between("search", "tag")
    assert "Feature flags need an owner" in found  # Bo's own learning, as ever
    assert "From anonymous retros (no names)" in found
    assert "Feature flags make releases calm (+1 similar)" in found
    assert "retro “Release 4.2”" in found and "#retro-1" in found and "Pairing" not in found
    retro_part = found[found.index("From anonymous retros") :]
    assert not re.search(r"\b(Bo|Cy|Di|Ed|Fi|Anna)\b", retro_part), retro_part  # no one is named
    assert "Pairing catches migrations early" in s.between("tag", "by_member")
    assert "From anonymous retros" not in s.between("by_member", "end")  # an item is no member's

    async with app.sessions() as session:
        # The items never became anyone's learning log entries.
        texts = list(await session.scalars(select(Learning.text)))
        assert texts == ["Feature flags need an owner"]
        retro = (await session.scalars(select(Retro))).one()
        bo = await session.scalar(select(Member).where(Member.display_name == "Bo"))
        outsider = Member(tenant_id=retro.tenant_id, platform_user_id="U-eve", display_name="Eve", created_at=START)
        session.add(outsider)
        await session.flush()
        source = AnonymousRetroLearnings()
        t = app.catalog.translator("en")
        assert bo is not None
        for viewer, expected in ((bo.id, 1), (outsider.id, 0)):
            query = SourceQuery(retro.tenant_id, viewer, ["pairing"], Filters())
            assert len(await source.find(session, t, query)) == expected  # a channel's retro stays in it
