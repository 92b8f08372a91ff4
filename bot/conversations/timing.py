"""When a series fires: a crontab in each recipient's local time, offsets in days from an anchor, or once.

APScheduler's CronTrigger with zoneinfo turns a crontab into instants, so 09:00 stays 09:00 across daylight-saving
switches. A series asking members in several time zones (or, on working days, with different public holidays)
fires once per calendar; `next_due` gives the earliest of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.people.availability import Recipient, is_working_day

# Working days are looked for this far ahead (a long holiday season), then the offset is given up.
_MAX_SHIFT_DAYS = 14


@dataclass(frozen=True)
class Calendar:
    """What decides local instants: a time zone, and for working days the holidays country."""

    zone: str
    country: str | None = None


@lru_cache(maxsize=4096)
def trigger(cron: str, zone: str) -> CronTrigger:
    return CronTrigger.from_crontab(cron, timezone=ZoneInfo(zone))


@lru_cache(maxsize=16_384)
def _cron_after(cron: str, zone: str, after: datetime) -> datetime | None:
    """The next fire strictly after `after`; cached, since a batch of series sharing a crontab asks the same."""
    fire: datetime | None = trigger(cron, zone).get_next_fire_time(None, after + timedelta(microseconds=1))
    return fire


@lru_cache(maxsize=16_384)
def _cron_fires(cron: str, zone: str, instant: datetime) -> bool:
    fire = trigger(cron, zone).get_next_fire_time(None, instant)
    return fire is not None and fire == instant


@dataclass(frozen=True)
class Timing:
    cron: str | None = None
    anchor_at: datetime | None = None
    offsets_days: tuple[int, ...] = ()
    local_time: str | None = None  # "HH:MM"; None: the anchor's time of day
    working_days: bool = False

    def calendar(self, recipient: Recipient) -> Calendar:
        return Calendar(recipient.zone, recipient.country if self.working_days else None)

    def next_due(self, calendars: Iterable[Calendar], after: datetime) -> datetime | None:
        """The earliest instant strictly after `after` at which the series fires in any of `calendars`."""
        candidates = [self._next(calendar, after) for calendar in calendars]
        fires = [fire for fire in candidates if fire is not None]
        return min(fires) if fires else None

    def fires_at(self, calendar: Calendar, instant: datetime) -> bool:
        if self.cron is not None:
            return _cron_fires(self.cron, calendar.zone, instant)
        return instant in set(self._instants(calendar))

    def _next(self, calendar: Calendar, after: datetime) -> datetime | None:
        if self.cron is not None:
            return _cron_after(self.cron, calendar.zone, after)
        return min((fire for fire in self._instants(calendar) if fire > after), default=None)

    def _instants(self, calendar: Calendar) -> Iterator[datetime]:
        if self.anchor_at is None:
            return
        if not self.offsets_days:
            yield self.anchor_at  # once
            return
        if self.local_time is None:
            for days in self.offsets_days:
                yield self.anchor_at + timedelta(days=days)
            return
        zone = ZoneInfo(calendar.zone)
        hour, minute = (int(part) for part in self.local_time.split(":"))
        start = self.anchor_at.astimezone(zone).date()
        facts = Recipient(calendar.zone, calendar.country)
        for days in self.offsets_days:
            day = start + timedelta(days=days)
            if self.working_days:
                for _ in range(_MAX_SHIFT_DAYS):
                    if is_working_day(facts, day):
                        break
                    day += timedelta(days=1)
            yield datetime.combine(day, time(hour, minute), zone).astimezone(UTC)


def next_local(recipient: Recipient, after: datetime, local_time: str, *, working_days: bool) -> datetime:
    """The first `local_time` ("HH:MM") of the recipient's day at or after `after`; with `working_days`, on a
    weekday that is no public holiday where they are."""
    zone = ZoneInfo(recipient.zone)
    hour, minute = (int(part) for part in local_time.split(":"))
    day = after.astimezone(zone).date()
    for _ in range(_MAX_SHIFT_DAYS):
        instant = datetime.combine(day, time(hour, minute), zone).astimezone(UTC)
        if instant >= after and (not working_days or is_working_day(recipient, day)):
            break
        day += timedelta(days=1)
    return instant
