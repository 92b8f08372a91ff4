"""Prompt catalogs: every language has every key, with the same placeholders."""

from __future__ import annotations

import pytest

from bot.catalog import SUPPORTED_LANGUAGES, Catalog, normalize_language, placeholders


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_every_supported_language_has_a_file(catalog: Catalog) -> None:
    assert set(catalog.languages) == set(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("language", ["da", "sv"])
def test_keys_and_placeholders_match_english(catalog: Catalog, language: str) -> None:
    english, other = catalog.keys("en"), catalog.keys(language)
    assert sorted(english - other) == [], f"missing in {language}"
    assert sorted(other - english) == [], f"only in {language}"
    for key in english:
        en_value, value = catalog.raw("en", key), catalog.raw(language, key)
        assert type(en_value) is type(value), key
        assert placeholders(value) == placeholders(en_value), key
        if isinstance(value, list) and not _is_words(key):
            assert len(value) == len(en_value), key
        assert (value if isinstance(value, str) else "".join(value)).strip(), f"{key} is empty in {language}"


def _is_words(key: str) -> bool:
    """Command words, keywords and choice words: each language has as many as reads naturally."""
    return key.endswith(".words") or ".keywords." in key or ".choices." in key


def test_reflection_prompt_sets_speak_the_seeds_questions(catalog: Catalog) -> None:
    assert "Hvad har vi lært siden sidst?" in catalog.questions("da", "promptsets.daily_reflection.questions")
    assert "Hvad kunne vi gøre anderledes næste gang?" in catalog.questions(
        "da", "promptsets.daily_reflection.questions"
    )
    assert "Hvad kan vi lære af det?" in catalog.questions("da", "promptsets.blameless_incident.questions")
    assert "Vad har vi lärt oss sedan sist?" in catalog.questions("sv", "promptsets.daily_reflection.questions")


def test_unknown_keys_fall_back_to_english() -> None:
    catalog = Catalog({"en": {"a": "A {x}", "b": "B"}, "da": {"b": "Bda"}})
    assert catalog.text("da", "a", x=1) == "A 1"
    assert catalog.text("da", "b") == "Bda"
    assert catalog.text("fi", "b") == "B"
    with pytest.raises(KeyError):
        catalog.text("en", "missing")


@pytest.mark.parametrize(
    ("locale", "language"),
    [("da-DK", "da"), ("sv_SE", "sv"), ("en-GB", "en"), ("nb-NO", "da"), ("fi-FI", None), ("", None), (None, None)],
)
def test_locales_map_to_supported_languages(locale: str | None, language: str | None) -> None:
    assert normalize_language(locale) == language
