"""`mentor report` goes through the shared k-anonymity rule with the team's K: it counts groups of K or more
people, hides smaller ones, hides a figure that a larger overlapping one would reveal by subtraction, and a
raised K_ANONYMITY hides more."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.app import App, build_app
from bot.clock import ManualClock
from bot.mentoring.tables import MentorMeeting
from bot.settings import Settings
from tests.mentoring.terminal import Terminal

PAIRS = ["mentor pair @Bo @Cai", "mentor pair @Dan @Eva", "mentor pair @Finn @Gus", "mentor pair @Hal @Ida"]


async def _report(app: App, clock: ManualClock) -> str:
    term = Terminal(app, clock)
    await term.run(["hello", *PAIRS])
    async with app.sessions() as session:
        for pair_id in (1, 2, 3, 4):  # October: all four pairs met (8 people)
            session.add(MentorMeeting(pair_id=pair_id, due_at=datetime(2026, 10, 5, 8, tzinfo=UTC), met=True))
        for pair_id in (1, 2, 3):  # November: three of them (6 people, all inside the 8 of the active pairs)
            session.add(MentorMeeting(pair_id=pair_id, due_at=datetime(2026, 11, 2, 8, tzinfo=UTC), met=True))
        session.add(MentorMeeting(pair_id=4, due_at=datetime(2026, 9, 7, 8, tzinfo=UTC), met=True))
        await session.commit()
    term.marks["report"] = len(term.out.getvalue())
    await term.run(["mentor report"])
    return " ".join(term.between("report").split())


async def test_the_report_counts_hides_small_groups_and_differences(app: App, clock: ManualClock) -> None:
    report = await _report(app, clock)
    assert "Active pairs: 4" in report
    assert "Meetings held in 2026-10: 4" in report
    # 6 people met in November, of the 8 in pairs: the 2 others would be revealed by subtraction.
    assert "Meetings held in 2026-11: not shown (with another figure it would describe fewer than 5 people)" in report
    assert "Meetings held in 2026-09: not shown (fewer than 5 people)" in report
    assert "Active learning circles: not shown (fewer than 5 people)" in report


async def test_a_raised_k_hides_more(settings: Settings, clock: ManualClock) -> None:
    app = build_app(settings.model_copy(update={"k_anonymity": 9}), clock=clock)
    try:
        report = await _report(app, clock)
    finally:
        await app.close()
    assert "Active pairs: not shown (fewer than 9 people)" in report
    assert "Meetings held in 2026-10: not shown (fewer than 9 people)" in report
    assert "no figure is shown for fewer than 9 people" in report
