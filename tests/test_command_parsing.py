"""Command words in every language and typed arguments, including hostile input (no input can raise)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta

import pytest

from adapters.app import build_app
from bot.catalog import Catalog
from bot.commands.arguments import ascii_number, parse_date, parse_duration, parse_time
from bot.commands.book import CommandBook, Empty, Matched, TooLong, Unknown
from bot.commands.grammar import MAX_INPUT_LENGTH, clean_text
from bot.commands.spec import Arg, CommandSpec, Kind, MemberValue
from bot.core import LearnBot
from bot.model import Mention, UserRef
from bot.settings import Settings


@pytest.fixture(scope="module")
def bot() -> Iterator[LearnBot]:
    # No database is touched: the specs and the catalogs are all that parsing needs.
    yield build_app(Settings(_env_file=None, database_url="sqlite+aiosqlite:///:memory:")).bot  # type: ignore[call-arg]


def matched(bot: LearnBot, text: str, mentions: tuple[Mention, ...] = ()) -> Matched:
    result = bot.commands.parse(text, mentions)
    assert isinstance(result, Matched), (text, result)
    return result


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("help", "help"),
        ("/learnbot help", "help"),
        ("Hjælp", "help"),
        ("lært noget nyt", "learned"),
        ("nudge lägg till dagligen 08:00", "nudge.add"),
        ("nudge lägg dagligen 08:00", "nudge.add"),
        ("nudge ta bort 1", "nudge.remove"),
        ("nudge tilføj hverdage 09:00", "nudge.add"),
        ("nudge fjern 1", "nudge.remove"),
        ("nudge pausa 2", "nudge.pause"),
        ("nudges", "nudge.list"),
        ("paus", "pause"),
        ("pausa till 2027-01-02", "pause"),
        ("pause til 2027-01-02", "pause"),
        ("stopp", "stop"),
        ("sluta", "stop"),
        ("starta", "start"),
        ("genoptag", "resume"),
        ("stribe", "streak"),
        ("svit", "streak"),
        ("helligdage hold DK", "holidays.team"),
        ("holidays SE", "holidays"),
        ("rolle giv @Bo leder", "role.grant"),
        ("roll ta bort @Bo", "role.revoke"),
        ("role", "role.list"),
    ],
)
def test_words_of_every_language_reach_their_command(bot: LearnBot, text: str, key: str) -> None:
    result = matched(bot, text)
    assert result.spec.key == key and result.problem is None, result.problem


def test_arguments_are_typed(bot: LearnBot) -> None:
    assert matched(bot, "nudge ta bort #7").args.number("id") == 7
    assert matched(bot, "pause until 2027-01-31").args.date("until") == date(2027, 1, 31)
    assert matched(bot, "pause till 31.1.2027").args.date("until") == date(2027, 1, 31)
    page = matched(bot, "learnings retro --page 2").args
    assert (page.string("query"), page.number("page")) == ("retro", 2)
    grant = matched(bot, "role grant @Bo admin").args
    assert grant.values["member"] == MemberValue(None, "Bo") and grant.string("role") == "admin"
    assert matched(bot, "role ge @Bo administratör").args.string("role") == "admin"


def test_platform_mentions_fill_member_arguments_even_with_spaces(bot: LearnBot) -> None:
    bo = UserRef("slack", "T1", "U0BO", "Bo Berg")
    result = matched(bot, "role grant @Bo Berg manager", (Mention(bo, "@Bo Berg"),))
    assert result.problem is None and result.args.values["member"] == MemberValue(bo, "Bo Berg")


def test_a_closing_mention_after_text_is_the_member_argument(bot: LearnBot) -> None:
    action = matched(bot, "retro action Pair with @Cy on deploys @Bo by 2026-12-15").args
    assert action.string("text") == "Pair with @Cy on deploys"
    assert action.values["owner"] == MemberValue(None, "Bo") and action.date("by") == date(2026, 12, 15)
    assert matched(bot, "retro action Write the runbook").args.string("text") == "Write the runbook"


def test_text_arguments_keep_their_lines(bot: LearnBot) -> None:
    assert matched(bot, "learned\nline one\nline two").args.text == "line one\nline two"
    assert matched(bot, "learned\ttabbed").args.text == "tabbed"


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("nudge remove ²", "nudge.remove", "usage.bad_number"),
        ("nudge remove ①", "nudge.remove", "usage.bad_number"),
        ("nudge remove ٣", "nudge.remove", "usage.bad_number"),
        ("nudge remove " + "9" * 30, "nudge.remove", "usage.bad_number"),
        ("nudge remove 0", "nudge.remove", "usage.bad_number"),
        ("nudge remove -1", "nudge.remove", "usage.bad_number"),
        ("nudge remove", "nudge.remove", "usage.missing"),
        ("nudge remove 1 2", "nudge.remove", "usage.extra"),
        ("nudge frobnicate", "nudge", "usage.unknown_sub"),
        ("pause until 2026-13-01", "pause", "usage.bad_date"),
        ("pause until ２０２７-01-01", "pause", "usage.bad_date"),
        ("pause until", "pause", "usage.missing"),
        ("learnings x --page 999999999999", "learnings", "usage.bad_number"),
        ("role grant Bo manager", "role.grant", "usage.bad_member"),
        ("role grant @Bo king", "role.grant", "usage.bad_choice"),
        ("role grant", "role.grant", "usage.missing"),
    ],
)
def test_bad_arguments_are_problems_not_exceptions(bot: LearnBot, text: str, key: str, problem: str) -> None:
    result = matched(bot, text)
    assert result.spec.key == key and result.problem is not None and result.problem.key == problem


def test_keyword_free_text_stops_only_where_a_keyword_value_follows() -> None:
    catalog = Catalog({"en": {"commands.goal.words": ["goal"], "commands.goal.keywords.by": ["by"]}})
    book = CommandBook(catalog)
    book.add(CommandSpec("goal", _never, (Arg("text", Kind.TEXT), Arg("by", Kind.DATE, keyword=True))))
    result = book.parse("goal learn by heart by 2027-03-01")
    assert isinstance(result, Matched) and result.problem is None
    assert result.args.string("text") == "learn by heart" and result.args.date("by") == date(2027, 3, 1)


async def _never(*_: object) -> list[object]:  # pragma: no cover - parsing only
    raise AssertionError


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "/", "/learnbot", "learnbot", "\x00\x01", "\u202e"])
def test_empty_input(bot: LearnBot, text: str) -> None:
    assert bot.commands.parse(text) == Empty()


def test_the_length_limit_counts_what_follows_the_command_word(bot: LearnBot) -> None:
    exactly = matched(bot, "learned " + "x" * MAX_INPUT_LENGTH)
    assert exactly.problem is None and len(exactly.args.text) == MAX_INPUT_LENGTH
    assert bot.commands.parse("learned " + "x" * (MAX_INPUT_LENGTH + 1)) == TooLong(MAX_INPUT_LENGTH + 1)
    assert isinstance(bot.commands.parse("x" * (MAX_INPUT_LENGTH * 2)), TooLong)


def test_control_characters_and_bidi_overrides_are_removed(bot: LearnBot) -> None:
    result = matched(bot, "lea\x00rned a\x07b\u202ec\x1b[31m")
    assert result.spec.key == "learned" and result.args.text == "abc[31m"
    assert clean_text("a\r\nb\rc") == "a\nb\nc"


def test_text_is_nfc_normalised(bot: LearnBot) -> None:
    assert matched(bot, "learned sa\u030ang").args.text == "s\u00e5ng"


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("lerned x", "learned"), ("learn", "learned"), ("hlep", "help"), ("timezon", "timezone"), ("zzz", None)],
)
def test_unknown_words_suggest_the_nearest_command(bot: LearnBot, text: str, suggestion: str | None) -> None:
    result = bot.commands.parse(text)
    assert isinstance(result, Unknown) and result.suggestion == suggestion


def test_unknown_word_is_truncated_for_display(bot: LearnBot) -> None:
    result = bot.commands.parse("q" * 5000)
    assert isinstance(result, Unknown) and len(result.word) == 60


def test_a_word_two_commands_claim_is_refused() -> None:
    catalog = Catalog({"en": {"commands.a.words": ["same"], "commands.b.words": ["same"]}})
    book = CommandBook(catalog)
    book.add(CommandSpec("a", _never))
    with pytest.raises(ValueError, match="already taken"):
        book.add(CommandSpec("b", _never))


@pytest.mark.parametrize("text", ["²", "①", "٣", "", "#", "1" * 19, "1.5", "-3", " 4"])
def test_numbers_are_ascii_digits_only(text: str) -> None:
    assert ascii_number(text) is None


def test_value_shapes() -> None:
    assert ascii_number("#42") == 42
    assert parse_date("2027-02-29") is None and parse_date("2028-02-29") == date(2028, 2, 29)
    assert parse_time("9:05") == time(9, 5) and parse_time("24:00") is None and parse_time("０9:00") is None
    assert parse_duration("1h30m") == timedelta(minutes=90) and parse_duration("2w") == timedelta(weeks=2)
    assert parse_duration("30") is None and parse_duration("5y") is None and parse_duration("9999d") is None


def _book_with(spec: CommandSpec, texts: dict[str, object]) -> CommandBook:
    catalog = Catalog({"en": texts})  # type: ignore[dict-item]
    book = CommandBook(catalog)
    book.add(spec)
    return book


def test_specs_carry_what_retros_and_mentoring_will_declare() -> None:
    """`retro start [for 30m | until 15:00] [template] [anonymous] [votes N] [title …]` and
    `mentor pair @a @b [weekly] [goal …]`, as the retro and mentoring issues will declare them."""
    retro = CommandSpec(
        "retro",
        subcommands=(
            CommandSpec(
                "retro.start",
                _never,  # type: ignore[arg-type]
                (
                    Arg("for", Kind.DURATION, keyword=True),
                    Arg("until", Kind.TIME, keyword=True),
                    Arg("template", Kind.CHOICE, required=False, choices=("classic", "blameless")),
                    Arg("anonymous", Kind.FLAG, keyword=True),
                    Arg("votes", Kind.NUMBER, keyword=True, low=1, high=12),
                    Arg("title", Kind.TEXT, keyword=True),
                ),
            ),
        ),
    )
    words = {
        "commands.retro.words": ["retro"],
        "commands.retro.start.words": ["start"],
        "commands.retro.start.keywords.for": ["for"],
        "commands.retro.start.keywords.until": ["until"],
        "commands.retro.start.keywords.anonymous": ["anonymous"],
        "commands.retro.start.keywords.votes": ["votes"],
        "commands.retro.start.keywords.title": ["title"],
    }
    book = _book_with(retro, words)
    result = book.parse("retro start for 30m blameless anonymous votes 3 title Sprint 42 review")
    assert isinstance(result, Matched) and result.problem is None
    args = result.args
    assert (args.duration("for"), args.string("template"), args.flag("anonymous")) == (
        timedelta(minutes=30),
        "blameless",
        True,
    )
    assert (args.number("votes"), args.string("title")) == (3, "Sprint 42 review")
    refused = book.parse("retro start votes 13")
    assert isinstance(refused, Matched) and refused.problem is not None and refused.problem.key == "usage.bad_number"
    until = book.parse("retro start until 15:00")
    assert isinstance(until, Matched) and until.args.time("until") == time(15, 0)

    mentor = CommandSpec(
        "mentor",
        _never,  # type: ignore[arg-type]
        (
            Arg("mentor", Kind.MEMBER),
            Arg("mentee", Kind.MEMBER),
            Arg("cadence", Kind.CHOICE, required=False, choices=("weekly", "monthly")),
            Arg("goal", Kind.TEXT, keyword=True),
        ),
    )
    book = _book_with(mentor, {"commands.mentor.words": ["mentor"], "commands.mentor.keywords.goal": ["goal"]})
    ana, bo = UserRef("slack", "T", "U1", "ana"), UserRef("slack", "T", "U2", "bo")
    result = book.parse("mentor @ana @bo weekly goal learn k8s", (Mention(ana, "@ana"), Mention(bo, "@bo")))
    assert isinstance(result, Matched) and result.problem is None
    assert result.args.values["mentor"] == MemberValue(ana, "ana") and result.args.values["mentee"] == MemberValue(
        bo, "bo"
    )
    assert (result.args.string("cadence"), result.args.string("goal")) == ("weekly", "learn k8s")
