"""Everything the bot says, as data: one TOML file per language in `prompts/`.

Keys are dotted paths (`learned.saved`); values are `str.format` templates or, for prompt sets, lists of
questions. A key missing in a language falls back to English; a key missing everywhere is a bug and raises.
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import prompts

log = logging.getLogger(__name__)

SUPPORTED_LANGUAGES = ("en", "da", "sv")
FALLBACK_LANGUAGE = "en"
# Close neighbours read one of ours more easily than English (Norwegian writing is close to Danish).
_LANGUAGE_NEIGHBOURS = {"nb": "da", "nn": "da", "no": "da"}

CatalogValue = str | list[str]


def normalize_language(value: str | None) -> str | None:
    """Map a locale like "da-DK", "sv_SE" or "en-GB" to a supported language, or None."""
    if not value:
        return None
    base = value.replace("_", "-").split("-")[0].strip().lower()
    base = _LANGUAGE_NEIGHBOURS.get(base, base)
    return base if base in SUPPORTED_LANGUAGES else None


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, CatalogValue]:
    flat: dict[str, CatalogValue] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{path}."))
        elif isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            flat[path] = value
        else:
            raise ValueError(f"catalog value at {path!r} must be a string or a list of strings")
    return flat


def placeholders(template: CatalogValue) -> set[str]:
    """The `{name}` fields a template uses (for parity checks)."""
    texts = [template] if isinstance(template, str) else template
    return {field for text in texts for _, field, _, _ in string.Formatter().parse(text) if field}


class Catalog:
    def __init__(self, entries: Mapping[str, Mapping[str, CatalogValue]]) -> None:
        if FALLBACK_LANGUAGE not in entries:
            raise ValueError("the catalog needs an English file as fallback")
        self._entries = {language: dict(values) for language, values in entries.items()}

    @classmethod
    def load(cls, directory: Path | None = None) -> Catalog:
        directory = directory or Path(prompts.__file__).parent
        entries: dict[str, dict[str, CatalogValue]] = {}
        for path in sorted(directory.glob("*.toml")):
            with path.open("rb") as file:
                entries[path.stem] = flatten(tomllib.load(file))
        return cls(entries)

    def add_directory(self, directory: Path) -> None:
        """Add a feature's own texts: one `<language>.toml` per language in `directory`."""
        for path in sorted(directory.glob("*.toml")):
            with path.open("rb") as file:
                self.add(path.stem, flatten(tomllib.load(file)))

    def add(self, language: str, entries: Mapping[str, CatalogValue]) -> None:
        """Add texts to one language (a feature's own catalog, or a test's)."""
        self._entries.setdefault(language, {}).update(entries)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def keys(self, language: str) -> set[str]:
        return set(self._entries[language])

    def raw(self, language: str, key: str) -> CatalogValue:
        values = self._entries.get(language, {})
        if key in values:
            return values[key]
        if key in self._entries[FALLBACK_LANGUAGE]:
            if language in self._entries:
                log.warning("catalog key %r missing for %r; using English", key, language)
            return self._entries[FALLBACK_LANGUAGE][key]
        raise KeyError(f"no catalog entry {key!r}")

    def has(self, key: str) -> bool:
        return key in self._entries[FALLBACK_LANGUAGE]

    def text(self, language: str, key: str, /, **params: object) -> str:
        value = self.raw(language, key)
        if not isinstance(value, str):
            raise TypeError(f"catalog entry {key!r} is a list; use questions()")
        return value.format(**params) if params else value

    def questions(self, language: str, key: str) -> list[str]:
        value = self.raw(language, key)
        return [value] if isinstance(value, str) else list(value)

    def translator(self, language: str) -> Translator:
        return Translator(self, language if language in self._entries else FALLBACK_LANGUAGE)


@dataclass(frozen=True)
class Translator:
    """The catalog bound to one member's language."""

    catalog: Catalog
    language: str

    def __call__(self, key: str, /, **params: object) -> str:
        return self.catalog.text(self.language, key, **params)

    def questions(self, key: str) -> list[str]:
        return self.catalog.questions(self.language, key)
