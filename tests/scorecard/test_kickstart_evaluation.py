"""The kickstart's fifth step (evaluate and adjust) shows the channel's scorecard beside its questions; the
other steps do not."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from adapters.app import App
from bot.conversations.kinds import RoundView
from bot.model import Fields, Header
from bot.programmes.kind import KIND
from bot.programmes.tables import ProgrammeRun
from tests.scorecard.seed import World
from tests.support import say


async def test_the_evaluation_step_shows_the_scorecard(app: App, world: World) -> None:
    async with app.sessions() as session:
        from bot.db.models import Member

        boss = await session.scalar(select(Member).where(Member.platform_user_id == "U-boss"))
        assert boss is not None
        boss.role = "admin"
        await session.commit()
    await say(app.bot, "kickstart", who="boss")
    kind = app.conversations.kinds.get(KIND)
    t = app.catalog.translator("en")
    async with app.sessions() as session:
        run = await session.scalar(select(ProgrammeRun).where(ProgrammeRun.programme == "kickstart"))
        assert run is not None
        shown = {}
        for day in (1, 43):
            round = RoundView(
                id=1,
                kind=KIND,
                tenant_id=world.tenant_id,
                series_id=None,
                conversation_id=world.room_id,
                due_at=app.clock.now(),
                closes_at=app.clock.now() + timedelta(days=3),
                anonymous=False,
                settings={"run_id": run.id, "programme": "kickstart", "day": day, "role": "channel"},
            )
            invitation = await kind.invitation(session, t, round, in_channel=True)
            message = invitation(7)
            assert message is not None
            shown[day] = message.blocks
    headers = [block.text for block in shown[43] if isinstance(block, Header)]
    assert headers == ["Step 5: evaluate and adjust", "Learning scorecard: #team-room"]
    [fields] = [block for block in shown[43] if isinstance(block, Fields)]
    assert fields.pairs[0][0] == "Participation in prompts" and "%" in fields.pairs[0][1]
    assert not any(isinstance(block, Fields) for block in shown[1])
