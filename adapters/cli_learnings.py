"""`learnbot import learnings` and `learnbot export learnings`: the learning log in and out of files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from adapters.app import build_app
from bot.learning.files import FileProblem, read_rows, write_rows
from bot.learning.importing import ImportReport, TeamNotFound, export_rows, find_member, find_team, import_learnings
from bot.settings import Settings

TEAM_HELP = "the team: its id (Slack team id T…, Teams tenant id, `local` for learnbot chat), platform:id, or name"


def add_commands(commands: Any) -> None:
    """Add the `import` and `export` commands to the CLI's subcommands."""
    import_command = commands.add_parser(
        "import",
        help="import learnings from a CSV or JSON file (safe to run again)",
        description="Import an existing learning log into a team. CSV: a header row with a text column and "
        "optionally author, author_id, date (YYYY-MM-DD or ISO 8601), language (da, sv, en), tags and link "
        "(https address of the original); "
        "separated by , or ; as spreadsheets write it. JSON: an array of objects with the same keys. Every row "
        "is checked first; bad rows are listed by line and skipped, the others are stored together or not at "
        "all. Running the same file again stores nothing twice. Exit status 1 if any row was skipped.",
    )
    import_command.add_argument("what", choices=["learnings"], help="what to import")
    import_command.add_argument("file", type=Path, help="a .csv or .json file")
    import_command.add_argument("--team", required=True, help=TEAM_HELP)
    import_command.add_argument(
        "--as-member", default=None, metavar="MEMBER", help="author (member id or display name) of rows that name none"
    )
    export_command = commands.add_parser(
        "export",
        help="export a team's shared learnings (or one member's own) as CSV or JSON",
        description="Write a team's shared learnings, oldest first, in the format import reads. Private entries "
        "are left out, except from their author's own export (--member).",
    )
    export_command.add_argument("what", choices=["learnings"], help="what to export")
    export_command.add_argument("--team", required=True, help=TEAM_HELP)
    export_command.add_argument(
        "--member",
        default=None,
        metavar="MEMBER",
        help="only this member's own entries (member id or display name), their private ones included",
    )
    export_command.add_argument("--output", type=Path, default=None, help="file to write (default: standard output)")
    export_command.add_argument(
        "--format", choices=["csv", "json"], default=None, help="csv or json (default: from --output, else csv)"
    )


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("storing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _print_report(report: ImportReport, file: Path) -> None:
    print(
        f"{file.name}: {report.rows} rows, {report.stored} stored, {report.already_there} already imported, "
        f"{len(report.errors)} skipped"
    )
    for error in report.errors:
        print(f"  line {error.line}: {error.reason}")
    if report.ignored_columns:
        print(f"  columns not used: {', '.join(report.ignored_columns)}")


async def run_import(settings: Settings, args: argparse.Namespace) -> int:
    try:
        raw = read_rows(args.file)
    except FileProblem as problem:
        print(f"learnbot: {problem}; nothing was imported", file=sys.stderr)
        return 2
    app = build_app(settings)
    console = Console(stderr=True)
    try:
        await app.prepare_database()
        async with app.sessions() as session:
            try:
                team = await find_team(session, args.team)
                default_author = await find_member(session, team, args.as_member) if args.as_member else None
            except TeamNotFound as error:
                print(f"learnbot: {error}; nothing was imported", file=sys.stderr)
                return 2
            with _progress(console) as bar:
                task = bar.add_task("storing", total=None)

                def advance(total: int, done: int) -> None:
                    bar.update(task, total=total, advance=done)

                report = await import_learnings(
                    session, team, raw, default_author=default_author, now=app.clock.now(), progress=advance
                )
            await session.commit()
    finally:
        await app.close()
    _print_report(report, args.file)
    return 1 if report.errors else 0


async def run_export(settings: Settings, args: argparse.Namespace) -> int:
    file_format = args.format or ("json" if args.output and args.output.suffix.casefold() == ".json" else "csv")
    app = build_app(settings)
    try:
        await app.prepare_database()
        async with app.sessions() as session:
            try:
                team = await find_team(session, args.team)
                member = await find_member(session, team, args.member) if args.member else None
            except TeamNotFound as error:
                print(f"learnbot: {error}", file=sys.stderr)
                return 2
            if args.output is None:
                await write_rows(export_rows(session, team, member), sys.stdout, file_format)
                return 0
            with args.output.open("w", encoding="utf-8", newline="") as out:
                count = await write_rows(export_rows(session, team, member), out, file_format)
    finally:
        await app.close()
    print(f"wrote {count} learnings to {args.output}", file=sys.stderr)
    return 0


RUNNERS = {"import": run_import, "export": run_export}
