"""Series timing: offsets in days from an anchor, at local time, moved to working days (onboarding-style)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.conversations.timing import Calendar, Timing


def test_offsets_land_on_local_working_days_skipping_weekends_and_danish_holidays() -> None:
    # Hired on Thursday 24 December 2026 (Copenhagen); day 1 is Christmas Day, day 2 Boxing Day, then a Sunday.
    timing = Timing(
        anchor_at=datetime(2026, 12, 24, 7, 0, tzinfo=UTC), offsets_days=(1, 7), local_time="09:00", working_days=True
    )
    denmark = Calendar("Europe/Copenhagen", "DK")
    first = timing.next_due([denmark], datetime(2026, 12, 24, 7, 0, tzinfo=UTC))
    assert first == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)  # Monday 09:00 in Copenhagen
    assert timing.fires_at(denmark, first)
    assert timing.next_due([denmark], first) == datetime(2026, 12, 31, 8, 0, tzinfo=UTC)  # day 7: Thursday
    # Without a holidays country only the weekend moves it: Friday the 25th is a working day.
    assert timing.next_due([Calendar("Europe/Copenhagen")], datetime(2026, 12, 24, 7, 0, tzinfo=UTC)) == datetime(
        2026, 12, 25, 8, 0, tzinfo=UTC
    )


def test_offsets_without_a_local_time_keep_the_anchors_time_of_day_and_once_fires_once() -> None:
    anchor = datetime(2026, 11, 23, 13, 37, tzinfo=UTC)
    timing = Timing(anchor_at=anchor, offsets_days=(1, 7, 30))
    calendar = Calendar("Europe/Stockholm")
    assert timing.next_due([calendar], anchor) == datetime(2026, 11, 24, 13, 37, tzinfo=UTC)
    assert timing.next_due([calendar], datetime(2026, 12, 23, 13, 37, tzinfo=UTC)) is None
    once = Timing(anchor_at=anchor)
    assert once.next_due([calendar], datetime(2026, 11, 1, tzinfo=UTC)) == anchor
    assert once.next_due([calendar], anchor) is None


def test_the_engine_package_names_no_feature() -> None:
    """Features plug kinds into the engine; the engine (and the people module it asks) never names one."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "bot"
    words = ("nudge", "retro", "learning", "resurfac", "mentor", "onboard", "streak", "prompt_set")
    for package in ("conversations", "people"):
        for module in (root / package).glob("*.py"):
            text = module.read_text(encoding="utf-8").casefold()
            assert not [word for word in words if word in text], module.name
