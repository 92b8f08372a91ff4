"""Why a member is not asked at a given instant: weekends, public holidays, vacation, opt-out.

Rules are judged on the recipient's local date. A skipped delivery is recorded with its reason, so features can
pass over it and listings can explain silence. `away_reason()` is what every send asks, reminders included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.people.tables import MemberSettings, TeamSettings


@lru_cache(maxsize=1)
def supported_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def normalize_country(value: str) -> str | None:
    """An ISO 3166 alpha-2 code the `holidays` library knows ("dk" → "DK"), or None."""
    code = value.strip().upper()
    return code if code in supported_countries() else None


@lru_cache(maxsize=512)
def _holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def holiday_name(country: str | None, day: date) -> str | None:
    if not country:
        return None
    return _holidays(country, day.year).get(day)


@dataclass(frozen=True)
class Recipient:
    """What the rules need to know about one recipient (a member, or a channel with the team's settings)."""

    zone: str
    country: str | None
    opted_out: bool = False
    paused: bool = False
    paused_until: date | None = None


def recipient_for(zone: str, team_country: str | None, preference: MemberSettings | None) -> Recipient:
    if preference is None:
        return Recipient(zone, team_country)
    return Recipient(
        zone,
        preference.country or team_country,
        opted_out=preference.opted_out,
        paused=preference.paused,
        paused_until=preference.paused_until,
    )


def skip_reason(recipient: Recipient, instant: datetime, *, include_weekends: bool) -> str | None:
    """None when the recipient should be asked at `instant`; otherwise a short reason like "holiday:DK"."""
    away = away_reason(recipient, instant)
    if away:
        return away
    local = _local_date(recipient.zone, instant)
    if not include_weekends and local.weekday() >= 5:
        return "weekend"
    if holiday_name(recipient.country, local):
        return f"holiday:{recipient.country}"
    return None


def away_reason(recipient: Recipient, instant: datetime) -> str | None:
    """The member's own wishes only (opt-out, pause): what every send checks, whatever the day."""
    if recipient.opted_out:
        return "opted_out"
    if recipient.paused and (
        recipient.paused_until is None or _local_date(recipient.zone, instant) <= recipient.paused_until
    ):
        return "paused"
    return None


@lru_cache(maxsize=1024)
def _local_date(zone: str, instant: datetime) -> date:
    """The date at `instant` in `zone` (cached: a fan-out asks it for thousands of recipients at one instant)."""
    return instant.astimezone(ZoneInfo(zone)).date()


def is_working_day(recipient: Recipient, day: date) -> bool:
    return day.weekday() < 5 and not holiday_name(recipient.country, day)


async def team_country(session: AsyncSession, tenant_id: int) -> str | None:
    setting = await session.get(TeamSettings, tenant_id)
    return setting.country if setting else None


async def member_settings(session: AsyncSession, member_ids: list[int]) -> dict[int, MemberSettings]:
    if not member_ids:
        return {}
    rows = await session.scalars(select(MemberSettings).where(MemberSettings.member_id.in_(member_ids)))
    return {row.member_id: row for row in rows}
