"""Importing and exporting the learning log, on the real database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.app import App
from bot.db.models import Tenant
from bot.learning.files import FileProblem, RawFile, read_rows, write_rows
from bot.learning.importing import TeamNotFound, export_rows, find_member, find_team, import_learnings
from bot.learning.tables import Learning, LearningTag
from bot.model import ConversationRef, InboundMessage, UserRef
from tests.support import all_text, say

BAD_LINES = {101: "no text", 502: "no member called 'Nobody' in this team", 900: "is not YYYY-MM-DD"}


def thousand_rows_csv(path: Path) -> Path:
    """1,000 entries after a header: line n holds entry n - 1; three of them are bad."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["text", "author", "date", "tags"])
    for line in range(2, 1002):
        author = "Bo" if line % 2 else "anna"
        text, date = f"Imported note {line} about pairing", f"2025-{1 + line % 12:02d}-{1 + line % 28:02d}"
        if line == 101:
            text = "  "
        elif line == 502:
            author = "Nobody"
        elif line == 900:
            date = "31/12/2025"
        writer.writerow([text, author, date, "import, #history"])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


async def _team(app: App) -> Tenant:
    await say(app.bot, "hello")
    await say(app.bot, "hello", who="bo")
    async with app.sessions() as session:
        return await find_team(session, "T1")


async def _import(app: App, team: Tenant, raw: RawFile, as_member: str | None = None) -> object:
    async with app.sessions() as session:
        author = await find_member(session, team, as_member) if as_member else None
        report = await import_learnings(session, team, raw, default_author=author, now=app.clock.now())
        await session.commit()
    return report


async def _count(app: App) -> int:
    async with app.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Learning)) or 0


async def test_bad_rows_are_reported_by_line_and_a_rerun_stores_nothing_more(app: App, tmp_path: Path) -> None:
    team = await _team(app)
    raw = read_rows(thousand_rows_csv(tmp_path / "log.csv"))
    report = await _import(app, team, raw)
    assert (report.rows, report.stored, report.already_there) == (1000, 997, 0)  # type: ignore[attr-defined]
    errors = {error.line: error.reason for error in report.errors}  # type: ignore[attr-defined]
    assert sorted(errors) == sorted(BAD_LINES)
    for line, reason in BAD_LINES.items():
        assert reason in errors[line]
    assert await _count(app) == 997

    again = await _import(app, team, read_rows(tmp_path / "log.csv"))
    assert (again.stored, again.already_there, len(again.errors)) == (0, 997, 3)  # type: ignore[attr-defined]
    assert await _count(app) == 997

    async with app.sessions() as session:
        entry = await session.scalar(select(Learning).where(Learning.text.startswith("Imported note 7 ")))
        assert entry is not None
        assert entry.text == "Imported note 7 about pairing #import #history"
        assert [tag.tag for tag in entry.tags] == ["history", "import"]
        assert entry.author.display_name == "Bo"
        assert entry.created_at.date().isoformat() == "2025-08-08"
        assert await session.scalar(select(func.count()).select_from(LearningTag)) == 997 * 2
    # Imported entries are in the search index like any other.
    assert "Imported note 7 about" in all_text(await say(app.bot, "learnings --page 1 note 7 pairings"))


async def test_an_import_that_fails_midway_stores_nothing(app: App, tmp_path: Path) -> None:
    team = await _team(app)
    raw = read_rows(thousand_rows_csv(tmp_path / "log.csv"))
    chunks: list[int] = []

    def interrupted(total: int, done: int) -> None:
        chunks.append(done)
        if len(chunks) == 1:
            raise KeyboardInterrupt  # as Ctrl-C would, after the first chunk reached the database

    with pytest.raises(KeyboardInterrupt):
        async with app.sessions() as session:
            await import_learnings(session, team, raw, default_author=None, now=app.clock.now(), progress=interrupted)
            await session.commit()
    assert chunks == [997]
    assert await _count(app) == 0


async def test_json_rows_and_spreadsheet_csv_are_read_with_their_line_numbers(app: App, tmp_path: Path) -> None:
    team = await _team(app)
    entries = [
        {"text": "Feature flags let us ship dark", "tags": ["deploy"], "language": "en"},
        {"text": ""},
        "not an object",
        {"text": "Et godt møde har en dagsorden", "language": "da", "date": "2026-02-01T09:30:00+01:00"},
    ]
    path = tmp_path / "log.json"
    path.write_text(json.dumps(entries, indent=2, ensure_ascii=False), encoding="utf-8")
    report = await _import(app, team, read_rows(path), as_member="Anna")
    assert report.stored == 2  # type: ignore[attr-defined]
    assert [(error.line, error.reason) for error in report.errors] == [  # type: ignore[attr-defined]
        (9, "no text"),
        (12, "expected an object, found str"),
    ]
    assert "Et godt møde" in all_text(await say(app.bot, "søg møder"))

    # Excel with Danish settings: a byte-order mark, ";" between fields, a line break inside a quoted field.
    sheet = tmp_path / "ark.csv"
    sheet.write_bytes(
        "\ufeffTekst;Forfatter;Dato;Noter\n"
        '"To linjer\nlang";Anna;2026-01-02;x\n'
        "Ukendt sprog;Anna;2026-01-03;y;ekstra\n"
        "Sidste;Anna;2026-01-04;z\n".encode()
    )
    sheet_report = await _import(app, team, read_rows(sheet))
    assert sheet_report.stored == 2  # type: ignore[attr-defined]
    assert [error.line for error in sheet_report.errors] == [4]  # type: ignore[attr-defined]
    assert sheet_report.ignored_columns == ["Noter"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("log.csv", "author,date\nAnna,2026-01-01\n", "no text column"),
        ("log.csv", "", "empty"),
        ("log.json", '{"text": "x"}', "JSON array"),
        ("log.json", '[{"text": "x"},\n {"text": ', "line 2"),
        ("log.txt", "text\nx\n", ".csv or .json"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(tmp_path: Path, name: str, content: str, problem: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FileProblem, match=problem):
        read_rows(path)


async def test_unknown_team_or_member_names_the_known_ones(app: App) -> None:
    team = await _team(app)
    async with app.sessions() as session:
        with pytest.raises(TeamNotFound, match="known teams: test:T1"):
            await find_team(session, "nope")
        assert (await find_team(session, "test:T1")).id == team.id
        with pytest.raises(TeamNotFound, match="no member called 'Cleo'"):
            await find_member(session, team, "Cleo")


async def test_export_writes_the_teams_entries_in_the_format_import_reads(app: App, tmp_path: Path) -> None:
    team = await _team(app)
    await say(app.bot, "learned Pairing spreads knowledge #pairing")
    await say(app.bot, "learned Reviews go faster in pairs", who="bo")
    other = UserRef("test", "OTHER-TEAM", "U-x", "X")
    await app.bot.handle_message(
        InboundMessage(other, ConversationRef("test", "OTHER-TEAM", "C-x"), "learned Other team's roadmap")
    )
    for file_format in ("csv", "json"):
        out = io.StringIO()
        async with app.sessions() as session:
            count = await write_rows(export_rows(session, team), out, file_format)
        path = tmp_path / f"export.{file_format}"
        path.write_text(out.getvalue(), encoding="utf-8")
        rows = read_rows(path).rows
        assert count == len(rows) == 2
        texts = [row.fields["text"] for row in rows]
        assert "Pairing spreads knowledge #pairing" in texts
        assert not any("roadmap" in text for text in texts)
        first = next(row.fields for row in rows if row.fields["text"].startswith("Pairing"))
        assert first["author"] == "Anna" and first["author_id"] == "U-anna" and first["tags"] == "pairing"
        assert datetime.fromisoformat(first["date"]) == app.clock.now()


async def test_links_to_the_original_are_imported_checked_and_exported(app: App, tmp_path: Path) -> None:
    team = await _team(app)
    path = tmp_path / "wiki.csv"
    path.write_text(
        "text,link\nRunbooks beat memory,https://wiki.example.com/runbooks\nA trap,javascript:alert(1)\n",
        encoding="utf-8",
    )
    report = await _import(app, team, read_rows(path), as_member="Anna")
    assert report.stored == 1  # type: ignore[attr-defined]
    assert [(e.line, e.reason) for e in report.errors] == [  # type: ignore[attr-defined]
        (3, "link 'javascript:alert(1)' is not an https:// address")
    ]
    out = io.StringIO()
    async with app.sessions() as session:
        await write_rows(export_rows(session, team), out, "json")
    [row] = json.loads(out.getvalue())
    assert row["link"] == "https://wiki.example.com/runbooks"
