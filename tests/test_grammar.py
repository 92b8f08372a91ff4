"""The command grammar, including hostile input."""

from __future__ import annotations

import pytest

from bot.commands.grammar import MAX_INPUT_LENGTH, Empty, Grammar, Parsed, TooLong, Unknown, clean_text


@pytest.fixture
def grammar() -> Grammar:
    grammar = Grammar()
    grammar.add("help", ("hjælp", "?"))
    grammar.add("learned", ("lært",))
    grammar.add("learnings")
    grammar.add("timezone", ("tz",))
    return grammar


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", Parsed("help", "")),
        ("  HELP   learned ", Parsed("help", "learned")),
        ("/learnbot help", Parsed("help", "")),
        ("learnbot learned x", Parsed("learned", "x")),
        ("/learned Git bisect #git", Parsed("learned", "Git bisect #git")),
        ("Hjælp", Parsed("help", "")),
        ("lært noget nyt", Parsed("learned", "noget nyt")),
        ("learned\nline one\nline two", Parsed("learned", "line one\nline two")),
        ("learned\ttabbed", Parsed("learned", "tabbed")),
        ("tz Europe/Oslo", Parsed("timezone", "Europe/Oslo")),
    ],
)
def test_parses_commands_and_keeps_argument_text(grammar: Grammar, text: str, expected: Parsed) -> None:
    assert grammar.parse(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "/", "/learnbot", "learnbot", "\x00\x01", "\u202e"])
def test_empty_input(grammar: Grammar, text: str) -> None:
    assert grammar.parse(text) == Empty()


def test_too_long_input_is_refused_before_anything_else(grammar: Grammar) -> None:
    assert grammar.parse("learned " + "x" * (MAX_INPUT_LENGTH - 8)) == Parsed("learned", "x" * (MAX_INPUT_LENGTH - 8))
    assert grammar.parse("x" * (MAX_INPUT_LENGTH + 1)) == TooLong(MAX_INPUT_LENGTH + 1)


def test_control_characters_and_bidi_overrides_are_removed(grammar: Grammar) -> None:
    assert grammar.parse("lea\x00rned a\x07b\u202ec\x1b[31m") == Parsed("learned", "abc[31m")
    assert clean_text("a\r\nb\rc") == "a\nb\nc"


def test_mixed_scripts_and_emoji_survive(grammar: Grammar) -> None:
    text = "learned Ærlig feedback, ärlig återkoppling, честная обратная связь, 率直なフィードバック 🚀 #læring"
    assert grammar.parse(text) == Parsed("learned", text.removeprefix("learned "))


def test_text_is_nfc_normalised(grammar: Grammar) -> None:
    decomposed = "learned sa\u030ang"  # "å" as a + combining ring
    assert grammar.parse(decomposed) == Parsed("learned", "s\u00e5ng")


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("lerned x", "learned"), ("learn", "learned"), ("hlep", "help"), ("timezon", "timezone"), ("zzz", None)],
)
def test_unknown_words_suggest_the_nearest_command(grammar: Grammar, text: str, suggestion: str | None) -> None:
    result = grammar.parse(text)
    assert isinstance(result, Unknown)
    assert result.suggestion == suggestion


def test_unknown_word_is_truncated_for_display(grammar: Grammar) -> None:
    result = grammar.parse("q" * 5000)
    assert isinstance(result, Unknown) and len(result.word) == 60


def test_duplicate_command_words_are_rejected(grammar: Grammar) -> None:
    with pytest.raises(ValueError, match="already taken"):
        grammar.add("hlp", ("HELP",))
