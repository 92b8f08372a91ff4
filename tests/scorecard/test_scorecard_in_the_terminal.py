"""The scorecard in `learnbot chat`: the figures, then the chart written to a file whose path is printed."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from adapters.app import App
from adapters.console.adapter import ConsoleAdapter
from adapters.console.chat import ConsoleChat
from adapters.console.render import Style
from bot.db.models import Conversation, Member
from tests.scorecard.platform_support import assert_chart
from tests.scorecard.seed import seed
from tests.test_new_kind_in_the_terminal import Step, _script


async def test_the_chart_is_a_file_whose_path_is_printed(app: App, tmp_path: Path) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(out, Style(), app.catalog)
    adapter.files_folder = tmp_path
    app.notifier.register(adapter)
    chat = ConsoleChat(app.bot, adapter, app.catalog.translator("en"), out, name="Anna", team="T", echo=True)

    async def activity() -> str | None:
        async with app.sessions() as session:
            anna = await session.scalar(select(Member).where(Member.platform_user_id == "anna"))
            room = await session.scalar(select(Conversation).where(Conversation.kind == "channel"))
            assert anna is not None and room is not None
            await seed(session, anna.tenant_id, room.id, anna.id, app.clock.now())
            await session.commit()
        return None

    steps: list[Step] = ["hello", activity, "scorecard months 3"]
    await chat.run(_script(steps))
    [path] = adapter.saved_files
    shown = out.getvalue()
    assert str(path) in shown and path.parent == tmp_path and path.suffix == ".png"
    assert shown.index("Participation in prompts") < shown.index(str(path))  # the figures, then the chart
    assert_chart(path.read_bytes())
