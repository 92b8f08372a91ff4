"""The one command grammar every platform reaches: `<command> [arguments]`.

Slack's `/learnbot help`, Teams' `@learnbot help` and the terminal's `help` all arrive here as the text
`help`. Parsing is pure: it cleans hostile input, finds the command (or the nearest one) and hands the rest
of the text to the command's handler untouched.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

# Slack's own limit for message text; anything longer cannot have come from a real client.
MAX_INPUT_LENGTH = 40_000

# Bidirectional overrides and isolates can make text display differently from what it is (Trojan Source).
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_FIRST_WORD = re.compile(r"(\S+)(\s*)(.*)", re.DOTALL)
_PREFIX = re.compile(r"^(?:/?learnbot\b|/)\s*", re.IGNORECASE)


def clean_text(text: str) -> str:
    """NFC-normalise and drop control characters (keeping newlines and tabs) and bidi overrides."""
    text = unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


@dataclass(frozen=True)
class Parsed:
    """A recognised command and its argument text."""

    command: str
    args: str


@dataclass(frozen=True)
class Empty:
    """Nothing but whitespace (or a bare `/learnbot`)."""


@dataclass(frozen=True)
class TooLong:
    length: int
    limit: int = MAX_INPUT_LENGTH


@dataclass(frozen=True)
class Unknown:
    word: str
    suggestion: str | None


ParseResult = Parsed | Empty | TooLong | Unknown


@dataclass
class Grammar:
    """Command names and aliases; features add theirs in the composition root."""

    _names: dict[str, str] = field(default_factory=dict)  # word (name or alias) -> command name
    _commands: list[str] = field(default_factory=list)

    def add(self, name: str, aliases: tuple[str, ...] = ()) -> None:
        for word in (name, *aliases):
            key = word.casefold()
            if key in self._names:
                raise ValueError(f"command word {word!r} is already taken by {self._names[key]!r}")
            self._names[key] = name
        self._commands.append(name)

    @property
    def commands(self) -> tuple[str, ...]:
        return tuple(self._commands)

    def resolve(self, word: str) -> str | None:
        return self._names.get(word.casefold())

    def nearest(self, word: str) -> str | None:
        matches = difflib.get_close_matches(word.casefold(), list(self._names), n=1, cutoff=0.6)
        if matches:
            return self._names[matches[0]]
        # A prefix is a strong hint too: "learn" → "learned", "tz" is not.
        prefixed = [name for key, name in self._names.items() if len(word) >= 3 and key.startswith(word.casefold())]
        return prefixed[0] if len(set(prefixed)) == 1 else None

    def parse(self, text: str) -> ParseResult:
        if len(text) > MAX_INPUT_LENGTH:
            return TooLong(len(text))
        text = _PREFIX.sub("", clean_text(text).strip(), count=1).strip()
        if not text:
            return Empty()
        # The first word is the command; the rest keeps its own line breaks ("learned" + a multi-line text).
        word, _, rest = _FIRST_WORD.match(text).groups()  # type: ignore[union-attr]
        name = self.resolve(word)
        if name is None:
            return Unknown(word=word[:60], suggestion=self.nearest(word))
        return Parsed(command=name, args=rest.strip())
