"""Cleaning what members type, before any command word is looked for (bot/commands/book.py).

Slack's `/learnbot help`, Teams' `@learnbot help` and the terminal's `help` all arrive as the text `help`.
"""

from __future__ import annotations

import unicodedata

# Slack's own limit for message text: what a member may write after the command word.
MAX_INPUT_LENGTH = 40_000

# Bidirectional overrides and isolates can make text display differently from what it is (Trojan Source).
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def clean_text(text: str) -> str:
    """NFC-normalise and drop control characters (keeping newlines and tabs) and bidi overrides."""
    text = unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
