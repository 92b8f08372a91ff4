"""`learnbot report` as an operator runs it: a table, CSV and PNG with the chat's figures and k-anonymity."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from adapters.app import App
from bot.db.models import Conversation, Member
from bot.scorecard.periods import last_months
from tests.scorecard.seed import expected, seed
from tests.support import ROOM, say
from tests.test_cli import run


@pytest.fixture
async def seeded(app: App) -> tuple[int, int]:
    await say(app.bot, "help", who="boss")
    async with app.sessions() as session:
        boss = await session.scalar(select(Member).where(Member.platform_user_id == "U-boss"))
        room = await session.scalar(select(Conversation).where(Conversation.platform_conversation_id == ROOM.id))
        assert boss is not None and room is not None
        # The command line runs on the real clock: the activity lies behind today.
        await seed(session, boss.tenant_id, room.id, boss.id, datetime.now(UTC))
        await session.commit()
        return boss.tenant_id, room.id


async def test_report_table_csv_and_png(app: App, seeded: tuple[int, int], tmp_path: Path) -> None:
    tenant_id, room_id = seeded
    env = {"DATABASE_URL": app.settings.database_url}
    args = [
        "report",
        "--team",
        "T1",
        "--channel",
        "#team-room",
        "--months",
        "2",
        "--csv",
        "out.csv",
        "--png",
        "out.png",
    ]
    result = run(args, tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "Participation in prompts" in result.stdout and "Learning scorecard: #team-room" in result.stdout
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    period = last_months(datetime.now(UTC), 2, "Europe/Copenhagen")
    async with app.sessions() as session:
        wanted = await expected(session, tenant_id, room_id, period.start, period.end)
    assert [row["indicator"] for row in rows] == list(wanted)
    for row in rows:
        want = wanted[row["indicator"]]
        assert float(row["value"]) == pytest.approx(want.value, abs=1e-4), row
        if want.parts is not None and row["unit"] == "percent":
            assert (int(row["numerator"]), int(row["denominator"])) == want.parts
    with Image.open(io.BytesIO((tmp_path / "out.png").read_bytes())) as image:
        assert image.size == (960, 540)
        low, high = image.convert("L").getextrema()
        assert high - low > 100


async def test_report_withholds_a_small_team_and_names_no_unknown_one(
    app: App, seeded: tuple[int, int], tmp_path: Path
) -> None:
    env = {"DATABASE_URL": app.settings.database_url}
    small = run(
        ["report", "--team", "T1", "--channel", "small", "--language", "da", "--csv", "s.csv"], tmp_path, env=env
    )
    assert small.returncode == 0, small.stderr
    assert "færre end 5 personer" in small.stdout
    assert {row["withheld"] for row in csv.DictReader((tmp_path / "s.csv").open(encoding="utf-8"))} == {"too_few"}
    unknown = run(["report", "--team", "nope"], tmp_path, env=env)
    assert unknown.returncode == 2 and "no team 'nope'" in unknown.stderr
    bad = run(["report", "--team", "T1", "--months", "0"], tmp_path, env=env)
    assert bad.returncode == 2 and "months" in bad.stderr
