"""Commands declared as data: what a command is called, what it takes, who may run it and where.

A feature declares a `CommandSpec` per command and sub-command; the words members type, the argument labels and
the help live in the catalogs under `commands.<key>` in every language. Parsing, usage errors, `help <command>`,
the Slack manifest and the Teams command lists are all generated from these declarations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import Enum, IntEnum, StrEnum
from typing import TYPE_CHECKING

from bot.model import OutboundMessage, UserRef

if TYPE_CHECKING:
    from bot.db.models import Member
    from bot.turn import Turn


class Kind(StrEnum):
    MEMBER = "member"  # @someone: a mention, resolved to a member (created on first sight)
    DATE = "date"  # 2026-12-31 or 31.12.2026
    TIME = "time"  # 09:30
    DURATION = "duration"  # 30m, 2h, 1h30m, 3d, 2w
    NUMBER = "number"  # ASCII digits within [low, high]; a leading # is allowed (#3)
    CHOICE = "choice"  # one of the declared values, by its words in any language
    FLAG = "flag"  # present or not (anonymous)
    WORD = "word"  # one word, as typed
    TEXT = "text"  # the rest of the line (up to the next keyword argument), as typed


class Role(IntEnum):
    """Roles per team, ordered: each includes the ones below it."""

    MEMBER = 0
    MANAGER = 1
    ADMIN = 2

    @classmethod
    def of(cls, stored: str | None) -> Role:
        return {"manager": cls.MANAGER, "admin": cls.ADMIN}.get(stored or "", cls.MEMBER)

    @property
    def stored(self) -> str:
        return self.name.lower()


class Place(Enum):
    ANYWHERE = "anywhere"
    DIRECT = "direct"  # a 1:1 chat with the bot
    CHANNEL = "channel"  # a channel or group chat


@dataclass(frozen=True)
class Arg:
    """One argument. `keyword` arguments are introduced by their catalog words (`until 2026-07-31`, `votes 3`)
    and may appear in any order; the others are positional. Labels and words come from the catalog:
    `commands.<key>.args.<name>` (label), `.keywords.<name>` (introducing words), `.choices.<name>.<value>`."""

    name: str
    kind: Kind
    required: bool = True
    keyword: bool = False
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 1_000_000
    # Free text that may mention members itself (`retro action Pair with @Cy on deploys @Bo`): only a mention
    # that closes the text (at the end, or before a keyword) is the member argument after it.
    keeps_mentions: bool = False

    def __post_init__(self) -> None:
        if self.keyword and self.required and self.kind is not Kind.FLAG:
            object.__setattr__(self, "required", False)  # a keyword argument is optional by nature
        if self.kind is Kind.FLAG and not self.keyword:
            raise ValueError(f"flag {self.name!r} must be a keyword argument")
        if self.kind is Kind.CHOICE and not self.choices:
            raise ValueError(f"choice {self.name!r} needs choices")


@dataclass(frozen=True)
class MemberValue:
    """A parsed member argument before the core resolves it: a platform mention, or a name as typed."""

    user: UserRef | None
    name: str


ArgValue = int | str | bool | date | time | timedelta | MemberValue


@dataclass
class Args:
    """The parsed arguments of one command, by name. Members are resolved by the core before the handler runs."""

    values: dict[str, ArgValue] = field(default_factory=dict)
    text: str = ""  # everything after the command words, cleaned
    members: dict[str, Member] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.values or name in self.members

    def number(self, name: str) -> int | None:
        value = self.values.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def string(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def flag(self, name: str) -> bool:
        return self.values.get(name) is True

    def date(self, name: str) -> date | None:
        value = self.values.get(name)
        return value if isinstance(value, date) else None

    def time(self, name: str) -> time | None:
        value = self.values.get(name)
        return value if isinstance(value, time) else None

    def duration(self, name: str) -> timedelta | None:
        value = self.values.get(name)
        return value if isinstance(value, timedelta) else None

    def member(self, name: str) -> Member | None:
        return self.members.get(name)


Handler = Callable[["Turn", Args], Awaitable[list[OutboundMessage]]]


@dataclass(frozen=True)
class CommandSpec:
    """A command or sub-command. `key` is its catalog path under `commands.` (`nudge`, `nudge.add`).

    A command with sub-commands runs `default` (a sub-command's last key part) when none is named, or its own
    handler with its own args. `priority` orders the platforms' command lists (Teams shows 10 per scope, most
    important first); `slash` gives the command its own Slack slash command (`/learned`).
    """

    key: str
    handler: Handler | None = None
    args: tuple[Arg, ...] = ()
    role: Role = Role.MEMBER
    place: Place = Place.ANYWHERE
    subcommands: tuple[CommandSpec, ...] = ()
    default: str | None = None
    priority: int = 50
    slash: bool = False

    def __post_init__(self) -> None:
        if self.handler is None and not self.subcommands:
            raise ValueError(f"command {self.key!r} needs a handler or sub-commands")
        for sub in self.subcommands:
            if not sub.key.startswith(self.key + "."):
                raise ValueError(f"sub-command {sub.key!r} must be under {self.key!r}")
        if self.default is not None and self.default not in {sub.name for sub in self.subcommands}:
            raise ValueError(f"default {self.default!r} of {self.key!r} is no sub-command")
        texts = [arg for arg in self.args if arg.kind is Kind.TEXT and not arg.keyword]
        if len(texts) > 1:
            raise ValueError(f"command {self.key!r} has more than one positional text argument")

    @property
    def name(self) -> str:
        return self.key.rsplit(".", 1)[-1]

    @property
    def top(self) -> str:
        return self.key.split(".", 1)[0]

    def walk(self) -> list[CommandSpec]:
        """This spec and every sub-command below it."""
        return [self, *(spec for sub in self.subcommands for spec in sub.walk())]

    def sub(self, name: str) -> CommandSpec:
        return next(sub for sub in self.subcommands if sub.name == name)


def catalog_keys(spec: CommandSpec) -> list[str]:
    """The catalog keys a spec needs in every language (checked by tests/test_command_specs.py)."""
    base = f"commands.{spec.key}"
    keys = [f"{base}.words", f"{base}.summary"]
    if spec.handler is not None or spec.subcommands:
        keys.append(f"{base}.help")
    for arg in spec.args:
        if arg.kind not in (Kind.FLAG, Kind.CHOICE):  # flags and choices are shown by their words
            keys.append(f"{base}.args.{arg.name}")
        if arg.keyword:
            keys.append(f"{base}.keywords.{arg.name}")
        keys.extend(f"{base}.choices.{arg.name}.{choice}" for choice in arg.choices)
    return keys
