"""The scorecard tried as a manager would: half a year of activity seeded as the features write it, the figures
checked against ones computed here from the raw rows; a team of 4 sees no figure and why; overlapping groups."""

from __future__ import annotations

import io
import itertools
from datetime import datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from adapters.app import App
from bot.db.models import Member
from bot.model import Fields, Text
from bot.privacy.k_anonymity import Shown, Withheld
from bot.scorecard.indicators import Team
from bot.scorecard.periods import last_months, rolling
from tests.scorecard.seed import World, add_channel, add_member, expected
from tests.support import ROOM, RecordingAdapter, say


async def test_figures_equal_the_raw_rows(app: App, world: World) -> None:
    now = app.clock.now()
    for months, whole in itertools.product((None, 3, 1), (False, True)):
        await _check(app, world, now, months, whole)


async def _check(app: App, world: World, now: datetime, months: int | None, whole: bool) -> None:
    async with app.sessions() as session:
        zone = "Europe/Copenhagen"
        period = last_months(now, months, zone) if months else rolling(now, zone)
        team = Team(world.tenant_id, None if whole else world.room_id)
        card = await app.scorecard.card(session, team, period)
        for span, pick in ((period, "current"), (period.previous(), "previous")):
            wanted = await expected(session, world.tenant_id, team.conversation_id, span.start, span.end)
            for figure in card.figures:
                result = getattr(figure, pick)
                assert isinstance(result, Shown), (figure.indicator.key, pick, result)
                want = wanted[figure.indicator.key]
                assert result.value.value == pytest.approx(want.value), (figure.indicator.key, pick)
                if figure.indicator.unit == "percent":
                    assert result.value.parts == want.parts, (figure.indicator.key, pick)
                    assert want.parts is not None and want.parts[1] > 0, (figure.indicator.key, pick, months)
        assert {figure.indicator.key for figure in card.figures} == set(wanted)
        participation = next(figure for figure in card.figures if figure.indicator.key == "participation")
        assert participation.flagged == (participation.value is not None and participation.value < 0.6)


async def test_trend_and_flag_follow_the_figures(app: App, world: World) -> None:
    async with app.sessions() as session:
        card = await app.scorecard.card(session, Team(world.tenant_id, world.room_id), rolling(app.clock.now()))
    for figure in card.figures:
        assert isinstance(figure.current, Shown) and isinstance(figure.previous, Shown)
        now, before = figure.current.value.value, figure.previous.value.value
        assert figure.trend == (pytest.approx(now - before) if now is not None and before is not None else None)


async def test_the_scorecard_in_chat_with_its_chart(app: App, world: World) -> None:
    adapter = RecordingAdapter()
    app.notifier.register(adapter)
    assert await say(app.bot, "scorecard months 3", who="boss") == []  # sent after the commit, then the chart
    [(_, reply)] = adapter.sent
    fields = next(block for block in reply.blocks if isinstance(block, Fields))
    labels = [label for label, _ in fields.pairs]
    assert labels[0] == "Participation in prompts" and "Learning goals reached" in labels
    assert all("not shown" not in value for _, value in fields.pairs)
    [(where, file)] = adapter.files
    assert where.id == ROOM.id and file.media_type == "image/png" and file.name.endswith(".png")
    with Image.open(io.BytesIO(file.content)) as image:
        assert image.size == (800, 450)
        grey = image.convert("L")
        low, high = grey.getextrema()
        assert high - low > 100  # bars and text on white, not a blank canvas
        assert len(grey.getcolors(256) or []) > 4


async def test_a_team_of_four_sees_no_figure_and_why(app: App, world: World) -> None:
    adapter = RecordingAdapter()
    app.notifier.register(adapter)
    [reply] = await say(app.bot, "scorecard #small", who="boss")
    text = "\n".join(block.text for block in reply.blocks if isinstance(block, Text))
    assert "No figure can be shown" in text
    assert "fewer than 5 people" in text
    assert not any(isinstance(block, Fields) for block in reply.blocks)
    assert adapter.files == []  # no chart of nothing
    async with app.sessions() as session:
        card = await app.scorecard.card(session, Team(world.tenant_id, world.small_id), rolling(app.clock.now()))
    assert all(isinstance(f.current, Withheld) and f.current.reason == "too_few" for f in card.figures)


async def test_the_reason_is_said_in_the_members_language(app: App, world: World) -> None:
    async with app.sessions() as session:
        boss = await session.scalar(select(Member).where(Member.platform_user_id == "U-boss"))
        assert boss is not None
        boss.language = "da"
        await session.commit()
    [reply] = await say(app.bot, "scorecard #small", who="boss")
    assert "færre end 5 personer" in reply.text + "\n".join(b.text for b in reply.blocks if isinstance(b, Text))


async def test_overlapping_groups_the_smaller_is_withheld(app: App, world: World) -> None:
    """A channel of 5 in a workspace of 6: its figures minus the workspace's would describe one person."""
    now = app.clock.now()
    async with app.sessions() as session:
        tenant = world.tenant_id + 1000
        from bot.db.models import Tenant

        session.add(Tenant(id=tenant, platform="test", external_id="T-small", timezone="UTC", created_at=now))
        await session.flush()
        people = [(await add_member(session, tenant, f"s{index}", now)).id for index in range(6)]
        channel = await add_channel(session, tenant, "five", people[:5], now)
        from bot.learning.tables import Learning

        for index, member_id in enumerate(people * 3):
            session.add(
                Learning(
                    tenant_id=tenant,
                    member_id=member_id,
                    text="x",
                    language="en",
                    created_at=now - timedelta(days=index + 1),
                )
            )
        await session.flush()
        period = rolling(now)
        five = await app.scorecard.card(session, Team(tenant, channel), period)
        six = await app.scorecard.card(session, Team(tenant), period)
        learnings = {card: next(f for f in card.figures if f.indicator.key == "learnings") for card in (five, six)}
        assert isinstance(learnings[five].current, Withheld)
        assert learnings[five].current.reason == "difference_too_few"
        assert isinstance(learnings[six].current, Shown)
        assert learnings[six].current.value.value == pytest.approx(18 / (6 * 90 / 7))


async def test_a_member_is_refused_and_a_bad_channel_is_explained(app: App, world: World) -> None:
    [refused] = await say(app.bot, "scorecard", who="m1")
    assert "Fields" not in repr(refused.blocks)
    [unknown] = await say(app.bot, "scorecard #nowhere", who="boss")
    assert "#nowhere" in unknown.text and "no channel" in unknown.text
    [bad] = await say(app.bot, "scorecard months 40", who="boss")
    assert bad.text and "Traceback" not in bad.text
