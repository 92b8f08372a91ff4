"""`nudge add …` specifications.

A schedule is stored as a series of the conversation engine with a 5-field crontab in the recipients' local time
(bot.conversations.timing turns it into instants).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger

PRESETS = {
    "daily": "daily",
    "dagligt": "daily",
    "dagligen": "daily",
    "weekdays": "weekdays",
    "hverdage": "weekdays",
    "vardagar": "weekdays",
    "weekly": "weekly",
    "ugentligt": "weekly",
    "veckovis": "weekly",
    "cron": "cron",
}
_DAY_NAMES = {
    "mon": ("mon", "monday", "man", "mandag", "mån", "måndag"),
    "tue": ("tue", "tuesday", "tir", "tirsdag", "tis", "tisdag"),
    "wed": ("wed", "wednesday", "ons", "onsdag"),
    "thu": ("thu", "thursday", "tor", "torsdag"),
    "fri": ("fri", "friday", "fre", "fredag"),
    "sat": ("sat", "saturday", "lør", "lørdag", "lör", "lördag"),
    "sun": ("sun", "sunday", "søn", "søndag", "sön", "söndag"),
}
DAYS = {alias: day for day, aliases in _DAY_NAMES.items() for alias in aliases}
# Prompt sets in prompts/*.toml under [promptsets.*], with the short words members type.
PROMPT_SETS = {
    "reflection": "daily_reflection",
    "daily_reflection": "daily_reflection",
    "story": "weekly_story",
    "weekly_story": "weekly_story",
    "fredagsfortælling": "weekly_story",
    "task": "after_task",
    "after_task": "after_task",
    "incident": "blameless_incident",
    "blameless_incident": "blameless_incident",
    "goal": "learning_goal",
    "learning_goal": "learning_goal",
}
TARGETS = {
    "channel": "channel",
    "kanal": "channel",
    "dm": "members",
    "members": "members",
    "me": "owner",
    "mig": "owner",
}
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIME = (9, 0)


class ScheduleError(ValueError):
    """Unusable `nudge add` arguments; `key` names the catalog text explaining why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class ScheduleSpec:
    cron: str
    include_weekends: bool
    prompt_set: str
    target: str | None  # None: the default for where the command was typed
    reminder_hours: int | None
    summary: bool
    window_hours: int | None = None  # None: the engine's default answer window


def _crontab_days(field: str) -> str:
    """Crontab counts 0 and 7 as Sunday; APScheduler counts 0 as Monday. Names mean the same to both."""
    return re.sub(r"\d+", lambda match: _CRONTAB_DAYS[int(match.group())] if int(match.group()) <= 7 else "x", field)


def parse_schedule(args: str) -> ScheduleSpec:
    """Parse `<daily|weekdays|weekly DAY|cron "m h dom mon dow"> [HH:MM] [set] [channel|dm|me] [weekends]
    [remind HOURS] [window HOURS] [summary]`."""
    words = args.replace('"', " ").replace("'", " ").split()
    if not words or words[0].casefold() not in PRESETS:
        raise ScheduleError("nudges.add_usage")
    preset = PRESETS[words.pop(0).casefold()]
    hour, minute = DEFAULT_TIME
    include_weekends = preset == "cron"
    cron = ""
    if preset == "cron":
        if len(words) < 5:
            raise ScheduleError("nudges.bad_cron", cron=" ".join(words))
        fields, words = words[:5], words[5:]
        fields[4] = _crontab_days(fields[4].casefold())
        cron = " ".join(fields)
        try:
            CronTrigger.from_crontab(cron)
        except ValueError:
            raise ScheduleError("nudges.bad_cron", cron=" ".join(fields)) from None
        include_weekends = fields[4] != "*"
    day_field = {"daily": "*", "weekdays": "mon-fri"}.get(preset, "")
    if preset == "weekly":
        if not words or words[0].casefold() not in DAYS:
            raise ScheduleError("nudges.bad_day", day=words[0] if words else "")
        day_field = DAYS[words.pop(0).casefold()]
        include_weekends = day_field in ("sat", "sun")
    prompt_set = "weekly_story" if preset == "weekly" else "daily_reflection"
    target: str | None = None
    reminder: int | None = None
    window: int | None = None
    summary = False
    while words:
        word = words.pop(0).casefold()
        if (match := _TIME.match(word)) and preset != "cron":
            hour, minute = int(match.group(1)), int(match.group(2))
            if hour > 23 or minute > 59:
                raise ScheduleError("nudges.bad_time", time=word)
        elif word in ("at", "kl", "kl.", "@"):
            continue
        elif word in PROMPT_SETS:
            prompt_set = PROMPT_SETS[word]
        elif word in TARGETS:
            target = TARGETS[word]
        elif word in ("weekends", "weekend", "weekender", "helger"):
            include_weekends = True
        elif word in ("summary", "opsummering", "sammanfattning"):
            summary = True
        elif word in ("remind", "påmind", "påminn"):
            hours = words.pop(0) if words else ""
            if not (hours.isascii() and hours.isdigit() and len(hours) <= 2) or not 1 <= int(hours) <= 72:
                raise ScheduleError("nudges.bad_remind", hours=hours)
            reminder = int(hours)
        elif word in ("window", "open", "åben", "öppen"):
            hours = words.pop(0) if words else ""
            if not hours.isdigit() or not 1 <= int(hours) <= 24 * 14:
                raise ScheduleError("nudges.bad_window", hours=hours)
            window = int(hours)
        else:
            raise ScheduleError("nudges.unknown_option", option=word[:40])
    if preset != "cron":
        cron = f"{minute} {hour} * * {day_field}"
    return ScheduleSpec(cron, include_weekends, prompt_set, target, reminder, summary, window)


def describe_time(cron: str) -> str:
    """`09:00` for presets; the crontab itself for anything else."""
    minute, hour, *_ = cron.split()
    if minute.isascii() and hour.isascii() and minute.isdigit() and hour.isdigit():
        return f"{int(hour):02d}:{int(minute):02d}"
    return cron
