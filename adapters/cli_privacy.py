"""`learnbot privacy export|forget|log`: what the data protection officer runs for requests that arrive by mail."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from adapters.app import build_app
from bot.learning.importing import TeamNotFound, find_member, find_team
from bot.privacy import audit
from bot.privacy.contract import ErasePolicy
from bot.privacy.service import export_document, forget
from bot.settings import Settings

TEAM_HELP = "the member's team: its id (Slack team id T…, Teams tenant id, `local` for learnbot chat) or name"
MEMBER_HELP = "the member: their platform user id (Slack U…, Teams 29:…, the terminal's name) or display name"


def add_commands(commands: Any) -> None:
    privacy = commands.add_parser(
        "privacy",
        help="export or erase one member's data, and the audit trail of such requests",
        description="Answer a member's request under GDPR articles 15, 17 and 20 that arrived outside the chat. "
        "Every export and erasure is written to the audit trail (what and when, never content).",
    )
    actions = privacy.add_subparsers(dest="privacy_command", metavar="<action>", required=True)
    export = actions.add_parser(
        "export", help="write everything stored about a member as JSON (schema in README: Export format)"
    )
    export.add_argument("--member", required=True, help=MEMBER_HELP)
    export.add_argument("--team", required=True, help=TEAM_HELP)
    export.add_argument("--output", type=Path, default=None, help="file to write (default: standard output)")
    erase = actions.add_parser(
        "forget",
        help="erase a member everywhere (their shared learnings erased or kept without author)",
        description="Erase a member everywhere: answers, settings, streaks, references, platform id and name. "
        "Counts and anonymous answers stay. The member's shared learnings are erased or kept for the team "
        "without author (--learnings). Cannot be undone.",
    )
    erase.add_argument("--member", required=True, help=MEMBER_HELP)
    erase.add_argument("--team", required=True, help=TEAM_HELP)
    erase.add_argument(
        "--learnings", required=True, choices=["erase", "keep"], help="erase the shared learnings, or keep them"
    )
    log = actions.add_parser("log", help="list privacy actions, newest first (no content)")
    log.add_argument("--limit", type=int, default=200, help="how many entries (default %(default)s)")


async def run_privacy(settings: Settings, args: argparse.Namespace) -> int:
    app = build_app(settings)
    try:
        await app.prepare_database()
        async with app.sessions() as session:
            if args.privacy_command == "log":
                for entry in await audit.entries(session, args.limit):
                    scope = f"team {entry.tenant_id}" if entry.tenant_id is not None else "all teams"
                    when = entry.at.isoformat(timespec="seconds")
                    print(f"{when}  #{entry.id}  {entry.action:<9} by {entry.by:<12} {scope}  {entry.detail}")
                return 0
            try:
                team = await find_team(session, args.team)
                member = await find_member(session, team, args.member)
            except TeamNotFound as error:
                print(f"learnbot: {error}", file=sys.stderr)
                return 2
            now = app.clock.now()
            if args.privacy_command == "export":
                document = export_document(session, app.bot.personal_data, member, now, by="command-line")
                text = json.dumps(await document, ensure_ascii=False, indent=2)
                await session.commit()
                if args.output is None:
                    print(text)
                else:
                    args.output.write_text(text + "\n", encoding="utf-8")
                    print(f"wrote the export to {args.output}", file=sys.stderr)
                return 0
            policy = ErasePolicy(keep_shared_learnings=args.learnings == "keep")
            reference = await forget(session, app.bot.personal_data, member, policy, now, by="command-line")
            await session.commit()
            print(f"erased; audit reference #{reference}")
            return 0
    finally:
        await app.close()


RUNNERS = {"privacy": run_privacy}
