"""Typed command arguments, parsed so that no input can raise.

Numbers are ASCII digits within the declared range (`²`, `①` and 30-digit numbers are refused, not converted);
dates, times and durations have one strict shape each; anything else becomes an `ArgProblem` naming the catalog
text that explains it, which the core shows with the command's usage in the member's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from bot.commands.spec import Arg, Args, ArgValue, CommandSpec, Kind, MemberValue
from bot.model import Mention

_TOKEN = re.compile(r"\S+")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)
_NORDIC_DATE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$", re.ASCII)
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$", re.ASCII)
_DURATION_PART = re.compile(r"(\d{1,4})([a-zæøåäö]+)", re.ASCII | re.IGNORECASE)
_DURATION_UNITS = {
    "m": 1,
    "min": 1,
    "mins": 1,
    "minutes": 1,
    "minutter": 1,
    "minuter": 1,
    "h": 60,
    "t": 60,
    "hours": 60,
    "timer": 60,
    "timmar": 60,
    "d": 1440,
    "days": 1440,
    "dage": 1440,
    "dagar": 1440,
    "w": 10080,
    "u": 10080,
    "v": 10080,
    "weeks": 10080,
    "uger": 10080,
    "veckor": 10080,
}
MAX_DURATION = timedelta(days=366)
MAX_SHOWN = 40  # how much of a bad value a usage error repeats


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ArgProblem:
    """Why the arguments cannot be used: a catalog key under `usage.` and its parameters (`arg` names the
    argument, whose label the core fills in)."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)
    arg: str | None = None


def tokens(text: str) -> list[Token]:
    return [Token(match.group(), match.start(), match.end()) for match in _TOKEN.finditer(text)]


def ascii_number(text: str) -> int | None:
    """An int from ASCII digits only (str.isdigit accepts ², ① and other scripts' digits; int() does not)."""
    text = text.removeprefix("#")
    if not text or len(text) > 18 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def parse_date(text: str) -> date | None:
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    elif match := _NORDIC_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    match = _TIME.match(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return time(hour, minute) if hour <= 23 and minute <= 59 else None


def parse_duration(text: str) -> timedelta | None:
    text = text.casefold()
    position, minutes = 0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position or match.group(2) not in _DURATION_UNITS:
            return None
        minutes += int(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if position != len(text) or minutes <= 0:
        return None
    duration = timedelta(minutes=minutes)
    return duration if duration <= MAX_DURATION else None


class _Parser:
    def __init__(
        self,
        spec: CommandSpec,
        text: str,
        mentions: Sequence[Mention],
        keywords: Mapping[tuple[str, ...], str],
        choices: Mapping[str, Mapping[str, str]],
    ) -> None:
        self.spec = spec
        self.text = text
        self.words = tokens(text)
        self.mentions = [mention for mention in mentions if mention.text]
        self.keywords = keywords
        self.choices = choices
        self.text_keeps_mentions = any(arg.kind is Kind.TEXT and arg.keeps_mentions for arg in spec.args)
        self.args = {arg.name: arg for arg in spec.args}
        self.values: dict[str, ArgValue] = {}
        self.position = 0

    def keyword_at(self, index: int) -> tuple[Arg, int] | None:
        """The unfilled keyword argument whose word starts at token `index`, and how many tokens the word is."""
        for length in (2, 1):
            key = tuple(token.text.casefold() for token in self.words[index : index + length])
            if len(key) == length and key in self.keywords:
                arg = self.args[self.keywords[key]]
                if arg.name not in self.values:
                    return arg, length
        return None

    def open_member_arg(self) -> Arg | None:
        """A positional member argument not filled yet: a mention fills it wherever it stands
        (`learnings retro @Bo` and `learnings @Bo retro` alike), and free text stops at it."""
        return next(
            (
                arg
                for arg in self.spec.args
                if arg.kind is Kind.MEMBER and not arg.keyword and arg.name not in self.values
            ),
            None,
        )

    def stops_text(self, index: int) -> bool:
        """Free text runs up to a keyword whose value follows it (`goal add learn Rust by 2026-12-31`, but not
        `learn by heart`); a value with a digit in it counts, so `--page ²` is refused rather than searched for."""
        if self.open_member_arg() is not None and (member := self.member_at(index)) is not None:
            if not self.text_keeps_mentions:
                return True
            if member[1] >= len(self.words) or self.keyword_at(member[1]) is not None:
                return True
        found = self.keyword_at(index)
        if found is None:
            return False
        arg, length = found
        if arg.kind in (Kind.FLAG, Kind.TEXT):
            return arg.kind is Kind.TEXT
        after = index + length
        if after >= len(self.words):
            return False
        if arg.kind in (Kind.NUMBER, Kind.DATE, Kind.TIME, Kind.DURATION):
            return any(char.isdigit() for char in self.words[after].text)
        return self.value(arg, after) is not None

    def text_span(self, index: int) -> tuple[str, int]:
        end = index
        while end < len(self.words) and not (end > index and self.stops_text(end)):
            end += 1
        last = self.words[end - 1].end if end > index else self.words[index].start
        return self.text[self.words[index].start : last].strip(), end

    def member_at(self, index: int) -> tuple[MemberValue, int] | None:
        start = self.words[index].start
        for mention in self.mentions:
            if self.text.startswith(mention.text, start):
                end = start + len(mention.text)
                after = index
                while after < len(self.words) and self.words[after].start < end:
                    after += 1
                return MemberValue(mention.user, mention.text.lstrip("@")), after
        word = self.words[index].text
        if word.startswith("@") and len(word) > 1:
            return MemberValue(None, word[1:]), index + 1
        return None

    def value(self, arg: Arg, index: int) -> tuple[ArgValue, int] | None:
        if index >= len(self.words):
            return None
        word = self.words[index].text
        parsed: ArgValue | None
        match arg.kind:
            case Kind.MEMBER:
                return self.member_at(index)
            case Kind.TEXT:
                return self.text_span(index)
            case Kind.NUMBER:
                number = ascii_number(word)
                parsed = number if number is not None and arg.low <= number <= arg.high else None
            case Kind.DATE:
                parsed = parse_date(word)
            case Kind.TIME:
                parsed = parse_time(word)
            case Kind.DURATION:
                parsed = parse_duration(word)
            case Kind.CHOICE:
                parsed = self.choices.get(arg.name, {}).get(word.casefold())
            case Kind.WORD:
                parsed = word
            case Kind.FLAG:  # pragma: no cover - flags take no value
                parsed = True
        return (parsed, index + 1) if parsed is not None else None

    def problem(self, arg: Arg, index: int) -> ArgProblem:
        if index >= len(self.words):
            return ArgProblem("usage.missing", {}, arg.name)
        shown = self.words[index].text[:MAX_SHOWN]
        params: dict[str, object] = {"value": shown}
        if arg.kind is Kind.NUMBER:
            params.update(low=arg.low, high=arg.high)
        return ArgProblem(f"usage.bad_{arg.kind.value}", params, arg.name)

    def run(self) -> ArgProblem | None:
        positional = [arg for arg in self.spec.args if not arg.keyword]
        index = 0
        while index < len(self.words):
            keyword = self.keyword_at(index)
            if keyword is not None:
                arg, length = keyword
                if arg.kind is Kind.FLAG:
                    self.values[arg.name] = True
                    index += length
                    continue
                found = self.value(arg, index + length)
                if found is None:
                    return self.problem(arg, index + length)
                self.values[arg.name], index = found
                continue
            member_arg = self.open_member_arg()
            if member_arg is not None and member_arg in positional and (mention := self.member_at(index)):
                self.values[member_arg.name], index = mention
                positional.remove(member_arg)
                continue
            while positional:
                arg = positional.pop(0)
                found = self.value(arg, index)
                if found is not None:
                    self.values[arg.name], index = found
                    break
                if arg.required:
                    return self.problem(arg, index)
            else:
                return ArgProblem("usage.extra", {"value": self.text[self.words[index].start :][:MAX_SHOWN]})
        for arg in positional:
            if arg.required:
                return ArgProblem("usage.missing", {}, arg.name)
        return None


def parse_args(
    spec: CommandSpec,
    text: str,
    mentions: Sequence[Mention],
    keywords: Mapping[tuple[str, ...], str],
    choices: Mapping[str, Mapping[str, str]],
) -> tuple[Args, ArgProblem | None]:
    """Parse `text` (what follows the command words) against `spec.args`."""
    parser = _Parser(spec, text, mentions, keywords, choices)
    problem = parser.run()
    return Args(values=parser.values, text=text), problem
