"""The k-anonymity rule: no figure for fewer than K people, K only upward, no figure revealed by subtraction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog import Catalog
from bot.privacy.k_anonymity import MINIMUM_K, Group, Rule, Shown, Withheld, apply, by_key, reason_key, single


def people(*ids: int) -> frozenset[int]:
    return frozenset(ids)


def test_four_people_are_withheld_with_the_reason_and_five_are_shown() -> None:
    assert single(range(4), 3.5) == Withheld("figure", "too_few", 5)
    assert single(range(5), 3.5) == Shown("figure", 3.5)


def test_k_goes_up_only() -> None:
    assert single(range(6), 1, k=7) == Withheld("figure", "too_few", 7)
    assert single(range(7), 1, k=7) == Shown("figure", 1)
    with pytest.raises(ValueError, match="below 5"):
        single(range(10), 1, k=4)


def test_overlapping_groups_suppress_the_smaller_when_the_difference_is_too_small() -> None:
    team = Group("team", people(*range(12)), 40)
    almost_all = Group("danish", people(*range(9)), 30)  # team minus danish = 3 people: would be revealed
    results = by_key(apply([team, almost_all]))
    assert results["team"] == Shown("team", 40)
    assert results["danish"] == Withheld("danish", "difference_too_few", 5)
    half = Group("danish", people(*range(6)), 20)  # difference 6: both may be shown
    assert all(isinstance(result, Shown) for result in apply([team, half]))


def test_a_second_pass_catches_pairs_exposed_by_the_first() -> None:
    whole = Group("whole", people(*range(20)), 1)
    big = Group("big", people(*range(17)), 1)  # whole - big = 3: big withheld
    middle = Group("middle", people(*range(10)), 1)  # whole - middle = 10, big - middle = 7: fine either way
    results = by_key(apply([whole, big, middle]))
    assert isinstance(results["big"], Withheld) and isinstance(results["middle"], Shown)


@given(st.lists(st.frozensets(st.integers(0, 30), max_size=30), min_size=1, max_size=6))
def test_no_shown_figure_or_nested_difference_is_about_fewer_than_k(sets: list[frozenset[int]]) -> None:
    groups = [Group(f"g{n}", members, len(members)) for n, members in enumerate(sets)]
    shown = [group for group, result in zip(groups, apply(groups), strict=True) if isinstance(result, Shown)]
    for group in shown:
        assert len(group.people) >= MINIMUM_K
        for other in shown:
            if group.people < other.people:
                assert len(other.people - group.people) >= MINIMUM_K


def test_a_withheld_figure_says_why_in_every_language() -> None:
    catalog = Catalog.load()
    rule = Rule(k=6)
    withheld = rule.single(range(4), 2)
    assert isinstance(withheld, Withheld)
    for language in ("en", "da", "sv"):
        said = catalog.translator(language)(reason_key(withheld), k=withheld.k)
        assert "6" in said and "{" not in said
    nested = rule.apply([Group("all", people(*range(10)), 1), Group("some", people(*range(7)), 1)])
    assert isinstance(nested[1], Withheld) and nested[1].reason == "difference_too_few"
    assert "6" in catalog.translator("en")(reason_key(nested[1]), k=6)
    with pytest.raises(ValueError):
        Rule(k=3)
