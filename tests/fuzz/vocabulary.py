"""What the fuzzers type: every registered command with hostile arguments.

Commands come from the running core (whatever the composition root registered), and the words their usage
lines and examples mention (`add`, `weekly`, `--page`, …) are mixed in, so new commands and subcommands are
fuzzed without touching this file. Both a hypothesis strategy and a seeded generator (for the subprocess chat)
draw from the same pieces.
"""

from __future__ import annotations

import random
import re

from hypothesis import strategies as st

from bot.catalog import Catalog
from bot.core import LearnBot

# Digits that str.isdigit() accepts but int() (or a database column) may not.
OTHER_DIGITS = "²³¹①②⑩٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९০১২৩௧௨௩๑๒๓໑໒໓༡༢༣၁၂၃០១២᠐᠑᠒𝟎𝟏𝟐𝟗０１２９"
HOSTILE = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0614TZR7|@devs>",
    "<@U999>",
    "<@W123|boss>",
    "<#C111|general>",
    "<at>Bo Berg</at>",
    "<at>",
    "&lt;!channel&gt;",
    "&amp;",
    "<https://evil.example|click>",
    "[click](https://evil.example)",
    "<script>alert(1)</script>",
    "*bold* _it_ ~strike~ `code` ```block```",
    "> quote",
    "\u202eevil\u202c",
    "\u2066\u2067\u2069",
    "\u200b\u200d\ufeff",
    "\x00",
    "\x1b[2J\x1b[31m",
    "\x07\x08\x7f",
    "\t",
    "%s %d {0} {name} {{x}}",
    "'; DROP TABLE learnings; --",
    "#",
    "#tag",
    "##",
    "@channel",
    "@here",
    "--page",
    "--page -1",
    "--",
    ":",
    "/",
    "/learnbot",
    "é\u0301",
    "Å",
    "🤖👩🏽‍💻🇩🇰",
    "\U0010ffff",
    "9" * 40,
    "-9" * 20,
    "1e309",
    "NaN",
    "-0",
    "0x1F",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "25:61",
    "00:00",
    "2026-02-30",
    "9999-12-31",
    "0000-00-00",
    "Europe/Nowhere",
    "../../etc/passwd",
    "x" * 300,
]
_WORD = re.compile(r"--?[a-z]+|[A-Za-z0-9][A-Za-z0-9:/_.\-]*", re.ASCII)


def registered_commands(bot: LearnBot) -> list[str]:
    """Every command path the core knows right now (`nudge`, `nudge add`, …), in every language's words: all of
    them, declared by whichever features are installed."""
    paths: set[str] = set()
    for spec in bot.commands.all_specs():
        for language in bot.catalog.languages:
            paths.add(bot.help.path(bot.catalog.translator(language), spec))
    return sorted(paths)


def command_words(bot: LearnBot, catalog: Catalog) -> list[str]:
    """Words from each registered command's usage line and examples (choices, keywords, flags)."""
    t = catalog.translator("en")
    words: set[str] = set()
    for spec in bot.commands.all_specs():
        words.update(_WORD.findall(bot.help.usage(t, spec)))
        key = f"commands.{spec.key}.examples"
        if catalog.has(key):
            words.update(_WORD.findall(t(key)))
    return sorted(words)


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.text(alphabet=OTHER_DIGITS, min_size=1, max_size=4),
        st.sampled_from(["0", "1", "-1", "2", "99999999999999999999999"]),
    )


def arguments(words: list[str]) -> st.SearchStrategy[str]:
    """Argument text: subcommand words, numbers, markup, controls and random Unicode of every category."""
    piece = st.one_of(
        st.sampled_from(words or ["x"]),
        st.sampled_from(HOSTILE),
        numbers(),
        # Every category but surrogates, which no platform can carry.
        st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    )
    return st.lists(piece, max_size=6).map(" ".join)


def lines(bot: LearnBot, catalog: Catalog) -> st.SearchStrategy[str]:
    """A line a member might type: a registered command (or a near miss) and hostile arguments."""
    commands = registered_commands(bot)
    command = st.one_of(
        st.sampled_from(commands),
        st.sampled_from(commands).map(str.upper),
        st.sampled_from(commands).map(lambda name: name[:-1] or name),
        st.sampled_from(["", "/learnbot", "learnbot"]),
    )
    return st.tuples(command, arguments(command_words(bot, catalog))).map(lambda parts: " ".join(parts).strip())


def seeded_lines(bot: LearnBot, catalog: Catalog, seed: int, count: int) -> list[str]:
    """The same kind of lines from a fixed seed, for places hypothesis cannot drive (a piped subprocess)."""
    chooser = random.Random(seed)
    commands = registered_commands(bot)
    words = command_words(bot, catalog) or ["x"]
    alphabet = [chr(code) for code in range(0x20, 0x3000) if not 0xD800 <= code <= 0xDFFF] + list(OTHER_DIGITS)
    result = []
    for _ in range(count):
        parts = [chooser.choice(commands)]
        for _ in range(chooser.randrange(5)):
            kind = chooser.randrange(4)
            if kind == 0:
                parts.append(chooser.choice(words))
            elif kind == 1:
                parts.append(chooser.choice(HOSTILE))
            elif kind == 2:
                parts.append(
                    str(chooser.randint(-(10**25), 10**25)) if chooser.random() < 0.5 else chooser.choice(OTHER_DIGITS)
                )
            else:
                parts.append("".join(chooser.choice(alphabet) for _ in range(chooser.randrange(1, 10))))
        result.append(" ".join(parts))
    return result
