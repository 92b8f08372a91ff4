"""Mentor pairs end to end in the terminal on a ManualClock: a manager pairs two people in different time zones,
each gets the weekly check-in at 10:00 their time, answers are stored and one learning goes to the log with a
button; a missed meeting gets exactly one follow-up; a paused member is skipped; the history is the pair's only;
`mentor ask` is accepted by a button; `mentor report` counts and hides groups under 5."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.kinds import ANSWER_ACTION
from bot.learning.tables import Learning
from bot.mentoring.asking import ACCEPT_ACTION
from bot.mentoring.checkin import TO_LOG_ACTION
from bot.mentoring.tables import MentorMeeting, MentorPair
from tests.mentoring.terminal import Terminal


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def test_a_pair_checks_in_on_cadence_at_local_times(app: App, clock: ManualClock) -> None:
    term = Terminal(app, clock)
    await term.run(
        [
            term.mark("start"),
            "hello",  # Anna, the terminal team's first member, is its admin
            ":as Bo",
            "timezone Europe/Helsinki",
            "mentor pair @Bo @Anna weekly",  # Bo is no manager
            ":as Anna",
            term.mark("paired"),
            "mentor pair @Bo @Anna weekly goal Learn the deploy pipeline",
            term.at(utc(30, 7, 59), "before"),
            term.at(utc(30, 8), "bo_time"),  # 10:00 in Helsinki
            term.at(utc(30, 9), "anna_time"),  # 10:00 in Copenhagen
            ":as Bo",
            term.press(ANSWER_ACTION, "dm-bo"),
            "1",  # met: yes
            "The deploy pipeline",
            ".",
            "Canary releases catch bad builds early",
            ".",
            term.mark("to_log"),
            term.press(TO_LOG_ACTION),
            term.press(TO_LOG_ACTION),
            term.at(utc(2, 9, 1, month=12), "first_closed"),
            term.at(utc(7, 9, 1, month=12), "second"),  # nobody answers this one
            term.at(utc(9, 9, 2, month=12), "second_closed"),
            term.at(utc(10, 9, 2, month=12), "follow_up"),
            term.at(utc(12, 9, 3, month=12), "follow_up_closed"),
            ":as Bo",
            "pause until 2026-12-18",
            term.at(utc(14, 9, 1, month=12), "third"),
            term.mark("history"),
            "mentor history 1",
            ":as Carl",
            term.mark("stranger"),
            "mentor history 1",
            ":as Anna",
            term.mark("report_small"),
            "mentor report",
            term.mark("report_small_end"),
        ]
    )
    checkin = "Mentor check-in (pair #1)"
    follow_up = "Did you manage to meet? (pair #1)"

    def pair_sends(start: str, end: str) -> list[tuple[str, str]]:
        # Other features talk too (resurfacing asks about the learning Bo logged): only the pair's sends count.
        return sorted(sent for sent in term.sent_between(start, end) if "(pair #1)" in sent[1])

    paired = term.between("paired", "before")
    assert "Mentor pair #1: Bo mentors Anna, check-ins weekly at 10:00 local time, the first on 2026-11-30" in paired
    assert "Mentor pair #" not in term.between("start", "paired")  # Bo may not make pairs
    assert pair_sends("before", "bo_time") == []
    assert pair_sends("bo_time", "anna_time") == [("dm-bo", checkin)]
    assert pair_sends("anna_time", "to_log") == [("dm-anna", checkin)]
    to_log = term.between("to_log", "first_closed")
    assert "Added to your learning log as #1." in to_log and "already in your learning log (#1)" in to_log
    assert pair_sends("first_closed", "second") == []  # they met: no follow-up
    assert pair_sends("second", "second_closed") == [("dm-anna", checkin), ("dm-bo", checkin)]
    assert pair_sends("follow_up", "follow_up_closed") == [("dm-anna", follow_up), ("dm-bo", follow_up)]
    assert pair_sends("follow_up_closed", "third") == []  # exactly one follow-up
    assert pair_sends("third", "history") == [("dm-anna", checkin)]  # Bo is paused
    history = term.between("history", "stranger")
    assert "2026-11-30: met" in history and "Canary releases catch bad builds early" in history
    assert "2026-12-07: no answer" in history and "no answer (follow-up)" in history
    assert "You are in no mentor pair #1." in term.between("stranger", "report_small")
    assert "Active pairs: not shown (fewer than 5 people)" in term.between("report_small", "report_small_end")

    async with app.sessions() as session:
        meetings = list(await session.scalars(select(MentorMeeting).order_by(MentorMeeting.due_at)))
        assert [(m.met, m.follow_up) for m in meetings] == [(True, False), (None, False), (None, True)]
        learned = (await session.scalars(select(Learning))).one()
        assert learned.text == "Canary releases catch bad builds early" and learned.author.display_name == "Bo"


async def test_asking_for_a_mentor_is_accepted_by_a_button_and_the_report_counts(app: App, clock: ManualClock) -> None:
    term = Terminal(app, clock)
    await term.run(
        [
            "hello",
            "mentor pair @Cai @Dan monthly",
            "mentor pair @Eva @Finn",
            ":as Gus",
            "mentor ask @Anna goal Public speaking",
            term.at(utc(23, 8, 1), "asked"),
            ":as Anna",
            term.press(ACCEPT_ACTION, "dm-anna"),
            term.at(utc(23, 8, 2), "accepted"),
            term.mark("report"),
            "mentor report",
            term.mark("list"),
            "mentor list",
        ]
    )
    assert "Gus asks whether you will be their mentor" in term.between("asked", "accepted")
    told = term.sent_between("accepted", "report")
    assert [(where, text.split(":")[0]) for where, text in told] == [("dm-gus", "Anna accepted")]
    report = term.between("report", "list")
    assert "Active pairs: 3" in report  # six people
    assert "Meetings held in 2026-11: not shown" in report
    listed = term.between("list")
    assert "#1: Cai → Dan" in listed and "#3: Anna → Gus" in listed
    async with app.sessions() as session:
        states = {pair.id: pair.state for pair in await session.scalars(select(MentorPair))}
    assert states == {1: "active", 2: "active", 3: "active"}
