"""A retro end to end in the terminal chat on a ManualClock: a manager starts it, a member is refused, three
members answer (one edits, one deletes an item), the half-time reminder reaches only the one who has not, close,
vote, summary, an action item carried into the next retro and marked done there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.tables import Response
from bot.learning.tables import Learning
from bot.retros.tables import RetroAction, RetroItem
from tests.retros.terminal_script import Session, Step

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANSWER = "conversation.answer"


def nothing_saved_yet(app: App) -> Step:
    async def step() -> None:
        async with app.sessions() as session:
            assert await session.scalar(select(Response.id).limit(1)) is None

    return step


def answer(session: Session, who: str, *lines: str) -> list[Step]:
    return [session.press(ANSWER, conversation=f"dm-{who}"), *lines]


async def test_a_retro_from_start_to_the_next_one(app: App, clock: ManualClock) -> None:
    clock.set(START)
    s = Session(app, clock, START)
    steps = [
        "hello",
        ":as Bo",
        "hello",
        ":as Cy",
        "hello",
        ":as Di",
        "hello",
        ":as Bo",
        s.mark("refused"),
        "retro start for 2h",
        ":as Anna",
        s.mark("started"),
        "retro start for 2h votes 3 title Sprint 12",
        s.at(timedelta(0)),
        ":as Bo",
        s.mark("bo_answers"),
        *answer(
            s,
            "bo",
            "Pairing on the release",
            ".",
            "Because Anna forgot the migration",
            ".",
            "Small pull requests get reviewed faster",
            ".",
        ),
        # The blameless nudge comes before anything is saved; Bo keeps his wording (Enter on each question).
        s.mark("nudged"),
        nothing_saved_yet(app),
        ".",
        ".",
        ".",
        # Bo edits: keeps the first and last question, rewords the second.
        *answer(s, "bo", ".", "The release checklist was missing a migration step", ".", "."),
        ":as Cy",
        *answer(
            s,
            "cy",
            "Pairing on the release went well",
            ".",
            "Deploys are slow",
            "Too many meetings",
            ".",
            "Small pull requests are reviewed faster",
            ".",
        ),
        # Cy deletes an item.
        *answer(s, "cy", ".", "Deploys are slow", ".", "."),
        ":as Di",
        *answer(s, "di", "Good focus time", ".", "-", ".", "Feature flags make releases calm", "."),
        s.mark("half_time"),
        s.at(timedelta(hours=1)),
        ":as Anna",
        s.mark("status"),
        "retro status",
        ":as Bo",
        s.mark("bo_close"),
        "retro close",
        ":as Anna",
        s.mark("close"),
        "retro close",
        s.at(timedelta(hours=1, minutes=1)),
        ":as Bo",
        s.mark("vote"),
        s.press("retro.vote", ":4"),
        s.press("retro.vote", ":4"),
        s.press("retro.vote", ":5"),
        s.press("retro.vote", ":5"),  # a fourth vote: over Bo's three
        ":as Cy",
        s.press("retro.vote", ":5"),
        s.press("retro.vote", ":5"),
        ":as Di",
        s.press("retro.vote", ":3"),
        s.mark("summary"),
        s.at(timedelta(hours=1, minutes=20)),
        ":as Anna",
        s.mark("action"),
        "retro action Speed up deploys @Bo by 2026-11-30",
        s.at(timedelta(hours=1, minutes=21)),
        s.mark("next"),
        "retro start for 1h since",
        s.at(timedelta(hours=1, minutes=22)),
        ":as Bo",
        s.mark("done"),
        s.press("retro.done"),
        "retro actions",
        s.mark("end"),
    ]
    await s.run(steps)

    assert "Retro: Sprint 12" not in s.between("refused", "started")  # Bo is no manager: nothing started
    started = s.between("started", "bo_answers")
    assert "Retro: Sprint 12" in started and started.count("waiting") == 3  # the card, four DMs (three wait)
    nudge = " ".join(s.between("bo_answers", "nudged").split())  # the terminal wraps long lines
    assert "“Because Anna forgot the migration” sounds like blame" in nudge and "Saved:" not in nudge
    assert "For example: “Because we forgot the migration”" in nudge and "Nothing is saved yet" in nudge
    answers = s.between("nudged", "half_time")
    assert answers.count("Saved:") == 5 and "sounds like blame" not in answers
    half = s.between("half_time", "status")
    assert half.count("Half time for") == 1 and "Anna" in half
    assert "3 of 4 have answered" in s.between("status", "bo_close")
    assert "Only managers and whoever started" in s.between("bo_close", "close")
    vote = s.between("vote", "summary")
    assert "Vote: Retro: Sprint 12" in vote and "Votes counted: 3. Left: 0." in vote
    summary = s.between("summary", "action")
    assert "Retro summary: Sprint 12 (3 answered)" in summary
    assert "Small pull requests get reviewed faster (+1 similar) — 3 votes" in summary
    assert "Pairing on the release (+1 similar)" in summary and "Too many meetings" not in summary
    assert "Because Anna forgot" not in summary and "Deploys are slow — 2 votes" in summary
    assert "You own an action item from the retro: Speed up deploys (due 2026-11-30)" in s.between("action", "end")
    nxt = s.between("next", "done")
    assert "What have we learned since last time?" in nxt and "Small pull requests get reviewed faster" in nxt
    assert "Open action items from last time" in nxt and "Speed up deploys" in nxt
    done = s.between("done", "end")
    assert "Marked done: Speed up deploys" in done and "No open action items" in done

    async with app.sessions() as session:
        items = (await session.scalars(select(RetroItem).order_by(RetroItem.number))).all()
        assert [(item.question, item.size, item.votes) for item in items] == [
            ("q1", 2, 0),
            ("q1", 1, 0),
            ("q2", 1, 1),
            ("q2", 1, 2),
            ("q3", 2, 3),
            ("q3", 1, 0),
        ]
        learned = sorted(learning.text for learning in await session.scalars(select(Learning)))
        assert learned == [
            "Feature flags make releases calm #retro-1",
            "Small pull requests get reviewed faster #retro-1",
        ]
        action = (await session.scalars(select(RetroAction))).one()
        assert action.done_at is not None
