"""The blameless nudge: an item that blames a person gets a private suggestion to reword it. Never a block."""

from __future__ import annotations

import re

_WORD = r"[^\W\d_][\w-]*"
# Blame whoever it names: "X's fault", "because NAME forgot", and their Danish and Swedish kin.
_BLAME = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"\b{_WORD}'s fault\b",
        r"\bfault of\b",
        rf"\bbecause {_WORD} (forgot|didn't|did not|failed|broke|missed)\b",
        rf"\b{_WORD}s skyld\b",
        rf"\bfordi {_WORD} (glemte|ikke|ødelagde|fejlede)\b",
        rf"\b{_WORD}s fel\b",
        rf"\bför att {_WORD} (glömde|inte|förstörde|missade)\b",
    )
]
# "Bo broke the build": blame only when the subject is a person (a known name or a mention), not "Deploy failed".
_SUBJECT_VERB = re.compile(
    r"(<@[^>]+>|@?[^\W\d_][\w-]*) (broke|forgot|messed up|screwed up|ødelagde|glemte|smadrede|förstörde|glömde|"
    r"sabbade)\b",
    re.IGNORECASE,
)


def blames(text: str, names: tuple[str, ...] = ()) -> bool:
    """Whether `text` puts the blame on a person; `names` are the channel's members' names."""
    if any(pattern.search(text) for pattern in _BLAME):
        return True
    known = {name.casefold() for name in names}
    for match in _SUBJECT_VERB.finditer(text):
        subject = match.group(1)
        if subject.startswith(("<@", "@")) or subject.casefold() in known:
            return True
    return False
