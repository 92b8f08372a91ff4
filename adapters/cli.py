"""`learnbot …`: the command line. Configures logging, reads settings once, runs the chosen entry point."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence

from adapters import cli_learnings as learning_files
from adapters import cli_privacy, cli_report
from adapters.app import SchemaOutOfDate, build_app
from adapters.logs import configure as configure_logging
from adapters.web import HalfConfigured, WebPlatform
from bot.catalog import normalize_language
from bot.settings import DEFAULT_DATABASE_URL, Settings

DESCRIPTION = """\
learnbot turns learning into a daily team habit in Slack, Microsoft Teams and your terminal:
reflection nudges, on-demand reflections, streaks and a searchable learning log.
"""

EPILOG = f"""\
configuration comes from the environment or a .env file in the working directory:
  DATABASE_URL       SQLAlchemy async URL (default {DEFAULT_DATABASE_URL})
  DEFAULT_LANGUAGE   da, sv or en for members who have not chosen (default en)
  DEFAULT_TIMEZONE   IANA zone for new teams (default Europe/Copenhagen)
  LOG_LEVEL          DEBUG, INFO, WARNING… (default INFO)
  NUDGE_TICK_SECONDS how often due nudges are looked for (default 10)
`learnbot config --table` lists every setting; README.md says which ones Slack and Teams need.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="learnbot",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)

    chat = commands.add_parser(
        "chat",
        help="talk to learnbot in this terminal (local team, SQLite by default, no accounts)",
        description="Talk to learnbot as a member of a local team (its first member is the team's admin). Type "
        "help inside the chat for what it understands; press a button by typing its number; reply N … answers "
        "message #N as a thread reply would (reply … the latest prompt); :as NAME switches member, and shows "
        "the direct messages that waited for them; :quit leaves. "
        "Input may be piped from a file, one message per line; the chat ends at the end of input.",
    )
    chat.add_argument("--as", dest="name", default=None, help="member to speak as (default: your login name)")
    chat.add_argument("--team", default="Local team", help="name of the local team (default: %(default)s)")
    chat.add_argument("--no-color", action="store_true", help="plain output without terminal colours")

    serve = commands.add_parser(
        "serve",
        help="run the HTTP server for Slack and Teams (whichever is configured) with /healthz",
        description="Serve learnbot over HTTP: Slack at /slack/events, Teams at /api/messages, health at "
        "/healthz. Platforms start when their settings are present (see README); a half-configured platform "
        "stops the server with an explanation.",
    )
    serve.add_argument("--host", default=None, help="interface to listen on (env HOST, default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=None, help="port (env PORT, default 3000)")

    slack_manifest = commands.add_parser(
        "slack-manifest",
        help="print the Slack app manifest (JSON) for a server at --url",
        description="Print the manifest to paste into api.slack.com/apps → Create New App → From an app manifest.",
    )
    slack_manifest.add_argument("--url", required=True, help="public base URL, e.g. https://learnbot.example.com")
    package = commands.add_parser(
        "teams-package",
        help="write the Microsoft Teams app package (zip) to upload in Teams",
        description="Write a zip with manifest.json and icons for uploading learnbot to Teams (Apps > Manage your "
        "apps > Upload an app, or the Teams admin center). See README: Run in Teams.",
    )
    package.add_argument(
        "--app-id", required=True, help="the bot's Microsoft App ID (GUID) from its Azure registration"
    )
    package.add_argument(
        "--host", required=True, help="public host name serving /api/messages, e.g. learnbot.example.com"
    )
    package.add_argument(
        "--version", default="1.0.0", help="app version; raise it for each re-upload (default %(default)s)"
    )
    package.add_argument("--language", default="en", help="language of the descriptions: en, da or sv (default en)")
    package.add_argument("--output", default="learnbot-teams.zip", help="zip to write (default %(default)s)")

    db = commands.add_parser("db", help="database migrations", description="Manage the database schema.")
    db_commands = db.add_subparsers(dest="db_command", metavar="<action>", required=True)
    up = db_commands.add_parser("upgrade", help="apply migrations (default: to the newest)")
    up.add_argument("revision", nargs="?", default="head")
    down = db_commands.add_parser("downgrade", help="revert migrations to REVISION (e.g. base)")
    down.add_argument("revision")
    db_commands.add_parser("current", help="print the database's revision and the code's newest")

    config = commands.add_parser(
        "config",
        help="print the effective configuration (secrets masked) and where each value came from",
        description="Print every setting learnbot would run with here: its value (secrets and database passwords "
        "masked) and whether it came from the environment, .env or the default.",
    )
    config.add_argument("--table", action="store_true", help="print the README's table of all settings instead")
    commands.add_parser(
        "doctor",
        help="check the database, migrations, Slack and Teams settings, and say what to fix",
        description="Check that learnbot can run with this configuration: settings, database connection and "
        "migrations, Slack (auth.test against SLACK_API_URL) and Teams. Exits 1 when something needs fixing.",
    )
    learning_files.add_commands(commands)
    cli_privacy.add_commands(commands)
    cli_report.add_commands(commands)
    return parser


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.console.adapter import ConsoleAdapter
    from adapters.console.chat import ConsoleChat, stdin_reader
    from adapters.console.render import Style

    interactive = sys.stdin.isatty()
    app = build_app(settings)
    try:
        await app.prepare_database()
        language = normalize_language(settings.default_language) or "en"
        style = Style(color=sys.stdout.isatty() and not args.no_color)
        adapter = ConsoleAdapter(sys.stdout, style, app.catalog, language)
        app.notifier.register(adapter)
        await app.start()  # nudges fire while the chat waits for input
        chat = ConsoleChat(
            app.bot,
            adapter,
            app.catalog.translator(language),
            sys.stdout,
            name=args.name or _login_name(),
            team=args.team,
            echo=not interactive,
        )
        try:
            await chat.run(stdin_reader(interactive))
        finally:
            await app.stop()
        await adapter.stop()
    finally:
        await app.close()
    return 0


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "me"


def web_platforms() -> list[WebPlatform]:
    """The platforms `serve` knows; each decides from the settings whether it runs."""
    from adapters.slack.platform import slack_platform
    from adapters.teams.endpoint import teams_platform

    return [slack_platform(), teams_platform()]


async def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.web import serve

    app = build_app(settings)
    try:
        await app.prepare_database()
        await serve(app, web_platforms(), args.host or settings.host, args.port or settings.port)
    finally:
        await app.close()
    return 0


async def _teams_package(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from adapters.teams.package import command_lists, manifest, write_package

    app = build_app(settings)  # no database access: only the commands and the catalog
    try:
        t = app.catalog.translator(normalize_language(args.language) or "en")
        try:
            app_manifest = manifest(args.app_id, args.host, command_lists(app.bot, t), t, version=args.version)
        except ValueError as error:
            print(f"learnbot: {error}", file=sys.stderr)
            return 2
        path = write_package(Path(args.output), app_manifest)
    finally:
        await app.close()
    print(f"wrote {path}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return 0


async def _slack_manifest(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.slack.manifest import declared_commands, manifest_json

    app = build_app(settings)  # no database access: only the command specs
    try:
        print(manifest_json(args.url, declared_commands(app.bot)))
    finally:
        await app.close()
    return 0


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db.migrate import current_revision, downgrade, head_revision, upgrade

    app = build_app(settings)
    try:
        if args.db_command == "upgrade":
            await upgrade(app.engine, args.revision)
            print(f"database at {await current_revision(app.engine)}")
        elif args.db_command == "downgrade":
            await downgrade(app.engine, args.revision)
            print(f"database at {await current_revision(app.engine)}")
        else:
            print(f"database: {await current_revision(app.engine)}  code: {head_revision(settings.database_url)}")
    finally:
        await app.close()
    return 0


def _config(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.doctor import effective_configuration
    from bot.settings import settings_table

    if args.table:
        print(settings_table(), end="")
        return 0
    rows = effective_configuration(settings)
    width = max(len(variable) for variable, _, _ in rows)
    for variable, value, source in rows:
        print(f"{variable:<{width}}  {value}  ({source})")
    return 0


async def _doctor(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.doctor import diagnose

    app = build_app(settings)
    try:
        findings = await diagnose(app)
    finally:
        await app.close()
    for finding in findings:
        print(f"{'ok ' if finding.ok else 'FIX'}  {finding.area:<10} {finding.detail}")
        if finding.fix:
            print(f"     {'':<10} -> {finding.fix}")
    problems = [finding for finding in findings if not finding.ok]
    print(f"{len(problems)} problem(s) found" if problems else "everything looks fine")
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    if args.command == "slack-manifest":
        return asyncio.run(_slack_manifest(settings, args))
    if args.command == "config":
        return _config(settings, args)
    # The chat owns the terminal, and the doctor's report should read alone: only problems are logged there.
    level = logging.WARNING if args.command in ("chat", "doctor") else settings.log_level.upper()
    configure_logging(level, settings.log_format)
    runners = {"chat": _chat, "serve": _serve, "db": _db, "teams-package": _teams_package, "doctor": _doctor}
    runners.update(learning_files.RUNNERS)
    runners.update(cli_privacy.RUNNERS)
    runners.update(cli_report.RUNNERS)
    try:
        return asyncio.run(runners[args.command](settings, args))
    except (SchemaOutOfDate, HalfConfigured) as error:
        print(f"learnbot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `learnbot chat < script | head`: the reader left. End quietly, and keep Python's own flush at exit
        # from complaining about the closed pipe too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
