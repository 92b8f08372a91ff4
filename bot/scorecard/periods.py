"""Scorecard periods: the last N calendar months (in the team's time zone), or rolling 90 days, and the period
of the same length just before, for the trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

ROLLING_DAYS = 90
MAX_MONTHS = 12


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    months: int | None = None  # None: rolling days
    zone: str = "UTC"

    def label(self) -> str:
        zone = ZoneInfo(self.zone)
        first, last = self.start.astimezone(zone), (self.end - timedelta(seconds=1)).astimezone(zone)
        if self.months is not None:
            return f"{first:%Y-%m}" if self.months == 1 else f"{first:%Y-%m} – {last:%Y-%m}"
        return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"

    def previous(self) -> Period:
        if self.months is None:
            length = self.end - self.start
            return Period(self.start - length, self.start, None, self.zone)
        return months_before(self.start, self.months, self.zone)


def rolling(now: datetime, zone: str = "UTC", days: int = ROLLING_DAYS) -> Period:
    return Period(now - timedelta(days=days), now, None, zone)


def _month_start(local: datetime) -> datetime:
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def months_before(end: datetime, count: int, zone: str) -> Period:
    """The `count` whole calendar months that end at `end` (a month's first instant in `zone`)."""
    tz = ZoneInfo(zone)
    start = _month_start(end.astimezone(tz))
    for _ in range(count):
        start = _month_start((start - timedelta(days=1)).replace(tzinfo=None)).replace(tzinfo=tz)
    return Period(start.astimezone(UTC), end.astimezone(UTC), count, zone)


def last_months(now: datetime, count: int, zone: str = "UTC") -> Period:
    """The last `count` complete calendar months before `now`, in the team's time zone."""
    if not 1 <= count <= MAX_MONTHS:
        raise ValueError(f"months must be 1..{MAX_MONTHS}")
    tz = ZoneInfo(zone)
    this_month = _month_start(now.astimezone(tz).replace(tzinfo=None)).replace(tzinfo=tz)
    return months_before(this_month, count, zone)
