"""Programmes in the terminal on a ManualClock: onboarding prompts reach the new hire and the buddy on working days
1, 3, 7, 14, 30, 60 and 90 in their own zone, past weekends and Danish public holidays; the kickstart posts its
five steps to the channel over six weeks and keeps the answers as the team's plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.kinds import ANSWER_ACTION
from tests.mentoring.terminal import Step, Terminal

START = datetime(2026, 12, 22, 12, 0, tzinfo=UTC)


async def test_onboarding_prompts_arrive_on_working_days_in_the_new_hires_zone(app: App, clock: ManualClock) -> None:
    clock.set(START)
    term = Terminal(app, clock)
    steps: list[Step] = [
        "hello",
        "holidays team DK",
        ":as Nora",
        "timezone America/New_York",
        ":as Anna",
        "onboard @Nora buddy @Bo starts 2026-12-23",
    ]
    # 09:00 in Copenhagen and in New York (winter and summer time), every day for 95 days:
    # what arrives on which day is the engine's doing.
    instants = [START.replace(hour=hour) + timedelta(days=days) for days in range(1, 96) for hour in (8, 13, 14)]
    steps += [term.at(instant, instant.isoformat()) for instant in instants]
    await term.run(steps)

    def local_days(conversation: str, zone: str) -> list[date]:
        days = []
        for instant in instants:
            later = [other.isoformat() for other in instants if other > instant]
            for where, _ in term.sent_between(instant.isoformat(), later[0] if later else None):
                if where == conversation:
                    days.append(instant.astimezone(ZoneInfo(zone)))
        assert all(moment.hour == 9 for moment in days), days  # 09:00 in the recipient's own zone
        return [moment.date() for moment in days]

    expected = [
        date(2026, 12, 23),  # day 1, a Wednesday
        date(2026, 12, 28),  # day 3 is Christmas Day; the 26th is a holiday and a Saturday: Monday
        date(2026, 12, 29),  # day 7
        date(2027, 1, 5),  # day 14
        date(2027, 1, 21),  # day 30
        date(2027, 2, 22),  # day 60 is a Saturday: Monday
        date(2027, 3, 22),  # day 90
    ]
    assert local_days("dm-nora", "America/New_York") == expected
    assert local_days("dm-bo", "Europe/Copenhagen") == expected


async def test_kickstart_posts_five_steps_and_keeps_the_answers_as_the_plan(app: App, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    term = Terminal(app, clock)
    steps: list[Step] = ["hello", ":as Bo", "kickstart", ":as Anna", "kickstart"]
    instants = [datetime(2026, 11, 23, 9, 0, tzinfo=UTC) + timedelta(days=days) for days in range(0, 50)]
    for number, instant in enumerate(instants):
        steps.append(term.at(instant, f"day{number}"))
        if number == 0:
            steps += [
                term.press(ANSWER_ACTION),
                "Everyone shares one learning a week",
                ".",
                "Learnings logged",
                ".",
                ".",
            ]
    steps += [term.mark("plan"), "kickstart plan"]
    await term.run(steps)

    assert term.out.getvalue().count("Kickstart #") == 1  # Bo is no admin
    posted = [
        (number, text)
        for number in range(len(instants))
        for where, text in term.sent_between(
            f"day{number}", f"day{number + 1}" if number + 1 < len(instants) else "plan"
        )
        if text.startswith("Step") and not text.endswith("answers")  # the invitations, not the summaries
    ]
    assert [(number, text.split(":")[0]) for number, text in posted] == [
        (0, "Step 1"),
        (7, "Step 2"),
        (14, "Step 3"),
        (28, "Step 4"),
        (42, "Step 5"),
    ]
    plan = term.between("plan")
    assert "What should our learning culture achieve? Everyone shares one learning a week" in plan
    assert "Which success indicators will we watch? Learnings logged" in plan
