"""`language` and `timezone`: a member's own settings."""

from __future__ import annotations

import difflib
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, available_timezones

from bot.catalog import SUPPORTED_LANGUAGES, normalize_language
from bot.commands.spec import Arg, Args, CommandSpec, Kind
from bot.model import OutboundMessage
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {zone.casefold(): zone for zone in available_timezones()}


def find_timezone(name: str) -> str | None:
    return _zones_by_folded_name().get(name.strip().casefold())


def nearest_timezone(name: str) -> str | None:
    folded = _zones_by_folded_name()
    matches = difflib.get_close_matches(name.strip().casefold(), list(folded), n=1, cutoff=0.6)
    return folded[matches[0]] if matches else None


async def language(turn: Turn, args: Args) -> list[OutboundMessage]:
    wanted = args.string("language")
    if not wanted:
        current = turn.t.catalog.text(turn.language, "meta.name")
        return [OutboundMessage.plain(turn.t("language.current", language=current), private=True)]
    chosen = normalize_language(wanted)
    if chosen is None:
        raise UsageError("language.unknown", value=wanted[:40], options=", ".join(SUPPORTED_LANGUAGES))
    turn.member.language = chosen
    turn.t = turn.t.catalog.translator(chosen)
    return [OutboundMessage.plain(turn.t("language.set"), private=True)]


async def timezone(turn: Turn, args: Args) -> list[OutboundMessage]:
    wanted = args.string("zone")
    if not wanted:
        current = turn.member.timezone or turn.tenant.timezone
        return [OutboundMessage.plain(turn.t("timezone.current", timezone=current), private=True)]
    zone = find_timezone(wanted)
    if zone is None:
        suggestion = nearest_timezone(wanted)
        if suggestion:
            raise UsageError("timezone.unknown_suggest", value=wanted[:60], suggestion=suggestion)
        raise UsageError("timezone.unknown", value=wanted[:60])
    turn.member.timezone = zone
    local = turn.now.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    return [OutboundMessage.plain(turn.t("timezone.set", timezone=zone, time=local), private=True)]


def install(bot: LearnBot) -> None:
    bot.command(CommandSpec("language", language, (Arg("language", Kind.WORD, required=False),), priority=40))
    bot.command(CommandSpec("timezone", timezone, (Arg("zone", Kind.WORD, required=False),), priority=41))
