"""Learning-log files: CSV and JSON rows in, with the line each row starts on, and rows out.

CSV is what spreadsheets write: a header row, then one entry a row; Excel in Danish and Swedish settings
separates with ";" and starts with a byte-order mark, so both are accepted. JSON is an array of objects.
Column names are matched case-insensitively, in English, Danish or Swedish.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

# "private": "yes" on an entry only its author sees (in the author's own export); it stays private on import.
COLUMNS = ("text", "author", "author_id", "date", "language", "tags", "link", "private")
_ALIASES = {
    "text": ("text", "tekst", "learning", "læring", "lärdom"),
    "author": ("author", "forfatter", "författare", "name", "navn", "namn"),
    "author_id": ("author_id", "user_id", "member_id"),
    "date": ("date", "dato", "datum", "created_at"),
    "language": ("language", "sprog", "språk"),
    "tags": ("tags", "tag", "mærker", "taggar"),
    "link": ("link", "url", "source", "source_url"),
    "private": ("private", "privat"),
}
_COLUMN_OF = {alias: column for column, aliases in _ALIASES.items() for alias in aliases}


class FileProblem(ValueError):
    """The file as a whole cannot be read (not one bad row): nothing is imported."""


@dataclass(frozen=True)
class RawRow:
    line: int
    fields: dict[str, str]


@dataclass(frozen=True)
class RawFile:
    rows: list[RawRow]
    ignored_columns: list[str]


def read_rows(path: Path) -> RawFile:
    """All rows of a .csv or .json file, keyed by our column names."""
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise FileProblem(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise FileProblem(f"{path} is not UTF-8 text (save it as CSV UTF-8 or JSON)") from None
    suffix = path.suffix.casefold()
    if suffix == ".csv":
        return _read_csv(content)
    if suffix == ".json":
        return _read_json(content)
    raise FileProblem(f"{path.name}: expected a .csv or .json file")


def _columns(names: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Our column for each header name, and the names we do not know."""
    known: dict[str, str] = {}
    ignored: list[str] = []
    for name in names:
        column = _COLUMN_OF.get(name.strip().casefold())
        if column and column not in known.values():
            known[name] = column
        elif name.strip():
            ignored.append(name.strip())
    return known, ignored


def _read_csv(content: str) -> RawFile:
    first_line = content.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem("the file is empty: expected a header row with at least a text column") from None
    known, ignored = _columns(header)
    if "text" not in known.values():
        raise FileProblem(f"no text column in the header row (found: {', '.join(header) or 'nothing'})")
    rows: list[RawRow] = []
    line = reader.line_num + 1
    try:
        for values in reader:
            if any(value.strip() for value in values):
                fields = {known[name]: value for name, value in zip(header, values, strict=False) if name in known}
                if len(values) > len(header):
                    fields["_extra"] = str(len(values) - len(header))
                rows.append(RawRow(line, fields))
            line = reader.line_num + 1  # a quoted field may span lines: the next row starts after this one
    except csv.Error as error:
        raise FileProblem(f"line {line}: {error}") from None
    return RawFile(rows, ignored)


def _read_json(content: str) -> RawFile:
    decoder = json.JSONDecoder()
    position = _skip_space(content, 0)
    if position >= len(content) or content[position] != "[":
        raise FileProblem('expected a JSON array of objects, like [{"text": "…", "author": "…"}]')
    position = _skip_space(content, position + 1)
    rows: list[RawRow] = []
    ignored: dict[str, None] = {}
    while position < len(content) and content[position] != "]":
        line = content.count("\n", 0, position) + 1
        try:
            value, position = decoder.raw_decode(content, position)
        except json.JSONDecodeError as error:
            raise FileProblem(f"line {error.lineno}: invalid JSON ({error.msg})") from None
        rows.append(RawRow(line, _json_fields(value, ignored)))
        position = _skip_space(content, position)
        if position < len(content) and content[position] == ",":
            position = _skip_space(content, position + 1)
        elif position < len(content) and content[position] != "]":
            raise FileProblem(f"line {content.count(chr(10), 0, position) + 1}: expected , or ] in the array")
    if position >= len(content):
        raise FileProblem("the JSON array is not closed with ]")
    return RawFile(rows, list(ignored))


def _json_fields(value: Any, ignored: dict[str, None]) -> dict[str, str]:
    if not isinstance(value, dict):
        return {"_not_object": type(value).__name__}
    known, unknown = _columns(value)
    ignored.update(dict.fromkeys(unknown))
    fields: dict[str, str] = {}
    for name, column in known.items():
        item = value[name]
        if isinstance(item, list) and column == "tags":
            fields[column] = " ".join(str(tag) for tag in item)
        elif item is not None:
            fields[column] = item if isinstance(item, str) else json.dumps(item)
    return fields


def _skip_space(content: str, position: int) -> int:
    while position < len(content) and content[position] in " \t\r\n":
        position += 1
    return position


async def write_rows(rows: AsyncIterator[dict[str, str]], out: TextIO, file_format: str) -> int:
    """Write rows (keys: COLUMNS) as CSV or a JSON array as they come; returns how many were written."""
    count = 0
    if file_format == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        async for row in rows:
            writer.writerow(row)
            count += 1
        return count
    out.write("[")
    async for row in rows:
        out.write(("," if count else "") + "\n  " + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def iter_chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
