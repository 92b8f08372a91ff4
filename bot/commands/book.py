"""The registered commands and the words that reach them, in every language at once.

Every member may type any language's words (a Swede writing `nudge add` is understood), so words are indexed
across all catalogs; a word that two commands claim is refused at registration. Parsing is pure: it cleans
hostile input, finds the command path (`nudge ta bort`) and parses its typed arguments (bot/commands/arguments.py).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog import Catalog
from bot.commands.arguments import ArgProblem, Token, parse_args, tokens
from bot.commands.grammar import MAX_INPUT_LENGTH, clean_text
from bot.commands.spec import Args, CommandSpec
from bot.model import Mention

_PREFIX = re.compile(r"^(?:/?learnbot\b|/)\s*", re.IGNORECASE)
# Longer than any real client sends even with the command word; refused before any work is done.
_HARD_LIMIT = MAX_INPUT_LENGTH + 1_000

WordKey = tuple[str, ...]


@dataclass(frozen=True)
class Empty:
    """Nothing but whitespace (or a bare `/learnbot`)."""


@dataclass(frozen=True)
class TooLong:
    """What the member wrote after the command word is over the limit."""

    length: int
    limit: int = MAX_INPUT_LENGTH


@dataclass(frozen=True)
class Unknown:
    word: str
    suggestion: str | None  # a top-level command key


@dataclass(frozen=True)
class Matched:
    """A command path and its parsed arguments, or the problem that stopped parsing them."""

    spec: CommandSpec
    args: Args
    problem: ArgProblem | None = None


Parsed = Matched | Empty | TooLong | Unknown


def _split_words(value: str) -> WordKey:
    return tuple(value.casefold().split())


class CommandBook:
    """Specs by key and an index of their words. Features add specs once, in their install step."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._top: list[CommandSpec] = []
        self._specs: dict[str, CommandSpec] = {}
        # parent key ("" for top level) -> words -> child spec
        self._words: dict[str, dict[WordKey, CommandSpec]] = {}
        self._keyword_cache: dict[str, dict[WordKey, str]] = {}
        self._choice_cache: dict[str, dict[str, dict[str, str]]] = {}

    # --- registration -----------------------------------------------------------------------------------------

    def add(self, spec: CommandSpec) -> None:
        if "." in spec.key:
            raise ValueError(f"register top-level commands only, not {spec.key!r}")
        for each in spec.walk():
            if each.key in self._specs:
                raise ValueError(f"command {each.key!r} is already registered")
        self._index("", spec)
        self._top.append(spec)

    def _index(self, parent: str, spec: CommandSpec) -> None:
        table = self._words.setdefault(parent, {})
        for word in self.all_words(spec):
            taken = table.get(word)
            if taken is not None and taken.key != spec.key:
                raise ValueError(f"command word {' '.join(word)!r} of {spec.key!r} is already taken by {taken.key!r}")
            table[word] = spec
        self._specs[spec.key] = spec
        for sub in spec.subcommands:
            self._index(spec.key, sub)

    def all_words(self, spec: CommandSpec) -> list[WordKey]:
        """The spec's words in every language (its key's last part counts too)."""
        found = [_split_words(spec.name)]
        for language in self._catalog.languages:
            found.extend(_split_words(word) for word in self.words(language, spec))
        return [word for word in dict.fromkeys(found) if word]

    def words(self, language: str, spec: CommandSpec) -> list[str]:
        return self._texts(language, f"commands.{spec.key}.words")

    def _texts(self, language: str, key: str) -> list[str]:
        """Words from the catalog; none when a key is missing (tests/test_command_specs.py finds those)."""
        return self._catalog.questions(language, key) if self._catalog.has(key) else []

    # --- lookup -----------------------------------------------------------------------------------------------

    @property
    def commands(self) -> tuple[CommandSpec, ...]:
        return tuple(self._top)

    def get(self, key: str) -> CommandSpec | None:
        return self._specs.get(key)

    def all_specs(self) -> list[CommandSpec]:
        return [spec for top in self._top for spec in top.walk()]

    def resolve(self, word: str) -> CommandSpec | None:
        """The top-level command a single word names (`help nudge`)."""
        return self._words.get("", {}).get(_split_words(word))

    def nearest(self, word: str) -> str | None:
        table = {" ".join(key): spec for key, spec in self._words.get("", {}).items()}
        folded = word.casefold()
        matches = difflib.get_close_matches(folded, list(table), n=1, cutoff=0.6)
        if matches:
            return table[matches[0]].key
        # A prefix is a strong hint too: "learn" → "learned", "tz" is not.
        prefixed = {spec.key for key, spec in table.items() if len(word) >= 3 and key.startswith(folded)}
        return prefixed.pop() if len(prefixed) == 1 else None

    def find(self, text: str) -> CommandSpec | None:
        """The deepest command a line of words names (`help nudge ta bort` → nudge.remove)."""
        words = tokens(clean_text(text))
        found = self._longest("", words, 0)
        if found is None:
            return None
        spec, position = found
        while spec.subcommands and (sub := self._longest(spec.key, words, position)) is not None:
            spec, position = sub
        return spec

    def _longest(self, parent: str, words: Sequence[Token], start: int) -> tuple[CommandSpec, int] | None:
        table = self._words.get(parent, {})
        for length in range(min(3, len(words) - start), 0, -1):
            key = tuple(token.text.casefold() for token in words[start : start + length])
            if key in table:
                return table[key], start + length
        return None

    # --- parsing ----------------------------------------------------------------------------------------------

    def parse(self, text: str, mentions: Sequence[Mention] = ()) -> Parsed:
        if len(text) > _HARD_LIMIT:
            return TooLong(len(text))
        text = _PREFIX.sub("", clean_text(text).strip(), count=1).strip()
        if not text:
            return Empty()
        words = tokens(text)
        found = self._longest("", words, 0)
        if found is None:
            return Unknown(word=words[0].text[:60], suggestion=self.nearest(words[0].text))
        spec, position = found
        while spec.subcommands:
            sub = self._longest(spec.key, words, position)
            if sub is None:
                break
            spec, position = sub
        rest = text[words[position].start :] if position < len(words) else ""
        if len(rest) > MAX_INPUT_LENGTH:
            return TooLong(len(rest))
        if spec.subcommands and spec.default is not None and not rest:
            spec = spec.sub(spec.default)
        elif spec.subcommands and spec.handler is None:
            value = rest.split()[0] if rest else ""
            return Matched(spec, Args(text=rest), ArgProblem("usage.unknown_sub", {"value": value[:40]}))
        args, problem = parse_args(spec, rest, mentions, self._keywords(spec), self._choices(spec))
        return Matched(spec, args, problem)

    def _keywords(self, spec: CommandSpec) -> dict[WordKey, str]:
        if spec.key in self._keyword_cache:
            return self._keyword_cache[spec.key]
        found = self._keyword_cache[spec.key] = {}
        for arg in spec.args:
            if arg.keyword:
                for language in self._catalog.languages:
                    for word in self._texts(language, f"commands.{spec.key}.keywords.{arg.name}"):
                        found[_split_words(word)] = arg.name
        return found

    def _choices(self, spec: CommandSpec) -> dict[str, dict[str, str]]:
        if spec.key in self._choice_cache:
            return self._choice_cache[spec.key]
        found = self._choice_cache[spec.key] = {}
        for arg in spec.args:
            table = found.setdefault(arg.name, {})
            for choice in arg.choices:
                table[choice.casefold()] = choice
                for language in self._catalog.languages:
                    for word in self._texts(language, f"commands.{spec.key}.choices.{arg.name}.{choice}"):
                        table[word.casefold()] = choice
        return found
