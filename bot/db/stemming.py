"""Word forms for full-text search: the Snowball stemmers (PyStemmer) for Danish, Swedish and English.

SQLite has no Danish or Swedish stemmer, so learnbot stems in Python: every SQLite connection gets the SQL
function `learnbot_stems(text, column)`, which the FTS5 triggers call, and queries are stemmed with the same
stemmers. One stem per word, one column per language, and every entry is stemmed into all three columns: the
language an author set is no guide to the language they write in (Anna, set to English, logs "Møder med
kunder…"), so a query word matches an entry when any of the three stems both to the same word.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

import Stemmer

# The columns of a stemmed index, in order; any other language is indexed as English.
INDEX_LANGUAGES = ("da", "sv", "en")
_ALGORITHMS = {"da": "danish", "sv": "swedish", "en": "english"}
# Letters and digits; "_" and punctuation separate words, as in SQLite's unicode61 tokenizer.
_WORD = re.compile(r"[^\W_]+")
SQL_FUNCTION = "learnbot_stems"

# PyStemmer objects are not thread-safe and aiosqlite runs each connection in its own thread.
_local = threading.local()


def index_language(language: str | None) -> str:
    return language if language in ("da", "sv") else "en"


def words(text: str) -> list[str]:
    """The words of `text` as the index sees them: NFC, case-folded, split on anything but letters and digits."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return _WORD.findall(text.casefold())


def _stemmer(language: str) -> Any:
    stemmers: dict[str, Any] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {code: Stemmer.Stemmer(name) for code, name in _ALGORITHMS.items()}
    return stemmers[language]


def without_accents(word: str) -> str:
    # English has no letters with diacritics of its own: "café" and "cafe" are one word. In Danish and
    # Swedish å, ä, ö, ø, æ are letters ("mod" is not "mød"), so they stay.
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def stem_words(tokens: list[str], language: str) -> list[str]:
    """Stems of already split `tokens` (see `words`) in `language` (da, sv; anything else is English)."""
    language = index_language(language)
    if language == "en":
        tokens = [without_accents(token) for token in tokens]
    stems: list[str] = _stemmer(language).stemWords(tokens)
    return stems


def stems(text: str, language: str) -> str:
    """What a stemmed index holds for `text`: its stems in `language`, space-separated."""
    return " ".join(stem_words(words(text), language))


def query_stems(tokens: list[str]) -> list[dict[str, str]]:
    """For each query word, its stem in every index language (an entry matches by any of them)."""
    by_language = {language: stem_words(tokens, language) for language in INDEX_LANGUAGES}
    return [{language: by_language[language][i] for language in INDEX_LANGUAGES} for i in range(len(tokens))]


def _sql_stems(text: str | None, column: str) -> str | None:
    """The value of index column `column` for an entry: its stems in that column's language."""
    return None if text is None else stems(text, column)


def _sql_stems_in_entry_language(text: str | None, language: str | None, column: str) -> str | None:
    """Revision 0006's index (kept for its triggers and downgrades): stems only in the entry's own language."""
    if text is None or index_language(language) != column:
        return None
    return stems(text, column)


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """Make `learnbot_stems(text, column)` available to SQL (and so to the FTS5 triggers), and revision 0006's
    `learnbot_stems(text, language, column)` (SQLite tells them apart by their number of arguments)."""
    dbapi_connection.create_function(SQL_FUNCTION, 2, _sql_stems, deterministic=True)
    dbapi_connection.create_function(SQL_FUNCTION, 3, _sql_stems_in_entry_language, deterministic=True)
