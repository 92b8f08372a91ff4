"""Learning goals in the terminal: a dated goal nudges a week and a day before at 09:00 local time, its button
marks it reached and the nudges stop; the mentor sees only shared goals; the review lists related learnings."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.app import App
from bot.clock import ManualClock
from bot.goals.kind import DONE_ACTION
from tests.mentoring.terminal import Terminal


def utc(month: int, day: int, hour: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def test_goals_nudge_before_their_date_and_mentors_see_only_shared_ones(app: App, clock: ManualClock) -> None:
    term = Terminal(app, clock)
    await term.run(
        [
            "hello",
            "mentor pair @Anna @Bo",
            ":as Bo",
            "goal add Learn Terraform modules by 2026-12-18 shared",  # a Friday
            "goal add Speak at a meetup",
            "learned Terraform modules keep environments alike",
            term.mark("review"),
            "goal review",
            term.at(utc(12, 11, 7), "week_before"),  # Friday 08:00 in Copenhagen: not yet
            term.at(utc(12, 11, 8), "week_before_nine"),  # 09:00 local
            term.at(utc(12, 17, 8), "day_before"),
            term.press(DONE_ACTION),
            term.mark("done"),
            "goal list",
            ":as Anna",
            term.mark("mentor"),
            "goal list @Bo",
            ":as Cai",
            term.mark("stranger"),
            "goal list @Bo",
        ]
    )
    review = term.between("review", "week_before")
    assert "0 of 2 goals reached" in review and "Terraform modules keep environments alike" in review
    assert [t for _, t in term.sent_between("week_before", "week_before_nine") if "goal #1" in t] == []
    nudges = [t for _, t in term.sent_between("week_before_nine", "day_before") if "goal #1" in t]
    assert nudges == ["Your goal #1 “Learn Terraform modules” is due on 2026-12-18. How is it going?"]
    assert [t for _, t in term.sent_between("day_before", "done") if "goal #1" in t] == [nudges[0]]
    assert "Goal #1 reached." in term.between("day_before", "done") and "[reached] Learn Terraform" in term.between(
        "done"
    )
    mentor_view = term.between("mentor", "stranger")
    assert "Learn Terraform modules" in mentor_view and "Speak at a meetup" not in mentor_view
    assert "You are not Bo's mentor" in term.between("stranger")
