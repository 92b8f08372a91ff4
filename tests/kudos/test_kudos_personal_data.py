"""Kudos in export me and forget me: export lists what the member gave and received; forgetting deletes what they
gave and keeps what they received counted for the team, with nothing left that points to them."""

from __future__ import annotations

from sqlalchemy import func, select

from adapters.app import App
from bot.db.models import Member
from bot.kudos.tables import Kudos
from bot.privacy.contract import ErasePolicy
from tests.kudos.support import command, team_in_room
from tests.privacy_support import dump, traces


async def member(app: App, name: str) -> Member:
    async with app.sessions() as session:
        found = await session.scalar(select(Member).where(Member.display_name == name))
        assert found is not None
        return found


async def test_export_has_given_and_received_and_forget_unlinks_what_was_received(app: App) -> None:
    await team_in_room(app)
    await command(app, "kudos @Bo for explaining Bo's own trick", "anna", "bo")
    await command(app, "kudos @Cy", "bo", "cy")
    await command(app, "kudos @Cy", "dan", "cy")
    bo = await member(app, "Bo")
    async with app.sessions() as session:
        tables, _ = await app.bot.personal_data.export(session, bo)
    exported = sorted((row["giver_member_id"], row["receiver_member_id"]) for row in tables["kudos"])
    assert len(exported) == 2 and all(bo.id in pair for pair in exported)

    async with app.sessions() as session:
        forgotten = await session.get_one(Member, bo.id)
        await app.bot.personal_data.erase(session, forgotten, ErasePolicy())
        await session.commit()
    async with app.sessions() as session:
        rows = list(await session.scalars(select(Kudos).order_by(Kudos.id)))
        total = await session.scalar(select(func.count()).select_from(Kudos))
    # Bo's kudos to Cy is gone; Anna's to Bo still counts, to nobody and without its reason (it named Bo).
    assert total == 2
    assert (rows[0].receiver_member_id, rows[0].reason) == (None, None)
    assert traces(await dump(app), bo.id, bo.platform_user_id, "Bo") == []
