"""The blameless nudge: an item that blames a person gets a private suggestion to reword it, before it is saved.
Never a block: the member may keep their wording."""

from __future__ import annotations

import re

_WORD = r"[^\W\d_][\w-]*"
_PERSON = rf"(<@[^>]+>|@?{_WORD})"
# The team or the writer themselves is no one to blame ("because we forgot", "fordi jeg glemte").
_NOT_A_PERSON = r"(?!(?:we|i|it|they|vi|jeg|jag|man|det|den|de)\b)"
# Blame whoever it names: "X's fault", and their Danish and Swedish kin.
_BLAME = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"\b{_WORD}'s fault\b",
        r"\bfault of\b",
        rf"\b{_WORD}s skyld\b",
        rf"\b{_WORD}s fel\b",
    )
]
# "because NAME forgot" and its kin: any name will do here, the sentence says who failed.
_BECAUSE = re.compile(
    rf"\b(?:because|fordi|för att) {_NOT_A_PERSON}{_PERSON} (?:forgot|didn't|did not|failed|broke|missed|glemte|"
    r"ikke|ødelagde|fejlede|glömde|inte|förstörde|missade)\b",
    re.IGNORECASE,
)
# "Bo broke the build": blame only when the subject is a person (a known name or a mention), not "Deploy failed".
_SUBJECT_VERB = re.compile(
    rf"{_PERSON} (?:broke|forgot|messed up|screwed up|ødelagde|glemte|smadrede|förstörde|glömde|sabbade)\b",
    re.IGNORECASE,
)


def _person(subject: str, names: tuple[str, ...]) -> bool:
    return subject.startswith(("<@", "@")) or subject.casefold() in {name.casefold() for name in names}


def blames(text: str, names: tuple[str, ...] = ()) -> bool:
    """Whether `text` puts the blame on a person; `names` are the channel's members' names."""
    if any(pattern.search(text) for pattern in _BLAME) or _BECAUSE.search(text):
        return True
    return any(_person(match.group(1), names) for match in _SUBJECT_VERB.finditer(text))


def suggest(text: str, names: tuple[str, ...], we: str) -> str | None:
    """A blameless rewording of `text` where one is plain: the person who "broke" or "forgot" gives way to the
    team (`we`, in the member's language): "Bo broke the build" -> "We broke the build". None otherwise."""
    candidates = [match for match in _SUBJECT_VERB.finditer(text) if _person(match.group(1), names)]
    because = _BECAUSE.search(text)
    match = because or (candidates[0] if candidates else None)
    if match is None:
        return None
    start, end = match.span(1)
    pronoun = we.casefold() if text[:start].strip() else we.capitalize()
    return text[:start] + pronoun + text[end:]
