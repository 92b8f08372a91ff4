"""The retros' personal-data contract: the export holds every retro row naming the member, erase leaves no
member id behind while the team's retro and actions stay, and anonymous answers are listed as unlinkable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.tables import Round
from bot.db.models import Member
from bot.privacy.contract import ErasePolicy
from bot.retros import personal_data
from bot.retros.tables import Retro, RetroAction
from tests.retros.terminal_script import Session

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_export_erase_and_unlinked(app: App, clock: ManualClock) -> None:
    clock.set(START)
    s = Session(app, clock, START)
    steps = ["hello", ":as Bo", "hello", ":as Anna", "retro start for 1h anonymous title Q3", s.at(timedelta(0))]
    steps += ["retro action Write the runbook @Bo by 2026-11-30", s.at(timedelta(minutes=1))]
    await s.run(steps)

    async with app.sessions() as session:
        members = {m.platform_user_id: m for m in await session.scalars(select(Member))}
        anna, bo = members["anna"], members["bo"]
        exported = await personal_data.export(session, bo)
        assert [a["text"] for a in exported["retro_actions"]] == ["Write the runbook"]
        assert exported["retro_actions"][0]["owner_member_id"] == bo.id
        assert [r["title"] for r in (await personal_data.export(session, anna))["retros"]] == ["Q3"]
        assert await personal_data.unlinked(session, bo) == [
            "answers (if any) to the anonymous retro 'Q3' of 2026-11-23"
        ]
        open_round = (await session.scalars(select(Round).where(Round.kind == "retro"))).one()
        assert "Bo" in open_round.context["names"]

        # The whole forget-me: the names in the open round go through the contract's declared JSON paths.
        await app.bot.personal_data.erase(session, bo, ErasePolicy(keep_shared_learnings=True))
        await app.bot.personal_data.erase(session, anna, ErasePolicy(keep_shared_learnings=True))
        await session.commit()
        action = (await session.scalars(select(RetroAction))).one()
        retro = (await session.scalars(select(Retro))).one()
        assert (action.owner_member_id, action.created_by_member_id, action.text) == (None, None, "Write the runbook")
        assert retro.starter_member_id is None and retro.title == "Q3"
        await session.refresh(open_round)
        assert "Bo" not in open_round.context["names"] and "Anna" not in open_round.context["names"]
        assert await personal_data.export(session, bo) == {"retros": [], "retro_actions": [], "retro_templates": []}
