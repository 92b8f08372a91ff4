"""The retros' pure parts: the blameless nudge in three languages, grouping by stemmed overlap, vote counting."""

from __future__ import annotations

import pytest

from bot.retros.blameless import blames, suggest
from bot.retros.grouping import group_items
from bot.retros.votes import counted_votes

NAMES = ("Bo", "Anna", "Sara")


@pytest.mark.parametrize(
    "text",
    [
        "It was Bo's fault",
        "Because Anna forgot the migration",
        "Bo broke the build",
        "<@U222> broke the build again",
        "Det var Bos skyld",
        "Fordi Anna glemte migreringen",
        "Bo ødelagde buildet",
        "Det var Saras fel",
        "För att Bo glömde testerna",
        "Sara förstörde bygget",
    ],
)
def test_the_blameless_nudge_fires_on_blame(text: str) -> None:
    assert blames(text, NAMES)


@pytest.mark.parametrize(
    "text",
    [
        "The deploy failed at night",
        "We forgot to run the migration",
        "Vi glemte at teste",
        "Vi glömde testerna",
        "The build broke after the upgrade",
        "Bygget gik i stykker efter opgraderingen",
    ],
)
def test_the_blameless_nudge_stays_quiet_on_blame_free_text(text: str) -> None:
    assert not blames(text, NAMES)


def test_similar_items_group_in_each_language() -> None:
    english = group_items(["Deploys are slow", "Deploys are really slow", "Too many meetings"], "en")
    assert [group.items for group in english] == [
        ["Deploys are slow", "Deploys are really slow"],
        ["Too many meetings"],
    ]
    danish = group_items(["Udrulningen er langsom", "Udrulninger er langsomme", "Gode møder"], "da")
    assert len(danish) == 2 and len(danish[0].items) == 2
    swedish = group_items(["Driftsättningen går långsamt", "Driftsättningarna går långsamt", "Bra möten"], "sv")
    assert len(swedish) == 2 and len(swedish[0].items) == 2


def test_votes_are_counted_within_the_budget_and_three_per_item() -> None:
    assert counted_votes("1 1 1 1 2", items=3, budget=5) == {1: 3, 2: 1}
    assert counted_votes("4 9 2\n2 3 3 1", items=4, budget=3) == {4: 1, 2: 2}
    assert counted_votes("²3 x 0", items=3, budget=5) == {3: 1}


@pytest.mark.parametrize(
    ("text", "we", "wording"),
    [
        ("Because Anna forgot the migration", "we", "Because we forgot the migration"),
        ("Bo broke the build", "we", "We broke the build"),
        ("<@U222> broke the build again", "we", "We broke the build again"),
        ("Fordi Anna glemte migreringen", "vi", "Fordi vi glemte migreringen"),
        ("Bo ødelagde buildet", "vi", "Vi ødelagde buildet"),
        ("För att Bo glömde testerna", "vi", "För att vi glömde testerna"),
        ("Sara förstörde bygget", "vi", "Vi förstörde bygget"),
        ("It was Bo's fault", "we", None),  # no plain rewording: the hint alone
    ],
)
def test_a_blameless_rewording_gives_the_deed_to_the_team(text: str, we: str, wording: str | None) -> None:
    assert suggest(text, NAMES, we) == wording


def test_the_team_or_the_writer_is_no_one_to_blame() -> None:
    for text in ("Because we forgot the tests", "Fordi vi glemte testene", "För att jag glömde testerna"):
        assert not blames(text, NAMES), text
