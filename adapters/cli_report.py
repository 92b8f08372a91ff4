"""`learnbot report`: a team's scorecard in the terminal (a rich table), and as CSV and PNG on request. The same
figures and the same k-anonymity as `scorecard` in chat: both come from the app's one Scorecard."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from adapters.app import build_app
from bot.catalog import SUPPORTED_LANGUAGES, Translator
from bot.charts import render_png
from bot.learning.importing import TeamNotFound, find_team
from bot.scorecard import render
from bot.scorecard.card import Card
from bot.scorecard.indicators import Team
from bot.scorecard.periods import MAX_MONTHS, last_months, rolling
from bot.scorecard.teams import channel_team
from bot.settings import Settings

TEAM_HELP = "the team: its id (Slack team id T…, Teams tenant id, `local` for learnbot chat), platform:id, or name"


def _months(text: str) -> int:
    value = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= value <= MAX_MONTHS:
        raise argparse.ArgumentTypeError(f"a number of months from 1 to {MAX_MONTHS}")
    return value


def add_commands(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="a team's learning-culture scorecard: a table, and CSV or PNG files",
        description="The scorecard of a team (or one of its channels): participation in prompts, learnings per "
        "member-week, resurfaced learnings applied, retros and their action items, mentor meetings and goals, "
        "each with its trend against the period before and a flag for participation under 60%. Default: the "
        "last 90 days; --months N: the last N whole months. Figures about fewer than K_ANONYMITY people are "
        "withheld, with the reason, here as in chat.",
    )
    report.add_argument("--team", required=True, help=TEAM_HELP)
    report.add_argument("--channel", default=None, help="one channel of the team, by name (#name) or platform id")
    report.add_argument("--months", type=_months, default=None, help=f"the last N whole months (1–{MAX_MONTHS})")
    report.add_argument("--csv", type=Path, default=None, metavar="FILE", help="also write the figures as CSV")
    report.add_argument("--png", type=Path, default=None, metavar="FILE", help="also write the chart as PNG")
    report.add_argument(
        "--language", choices=SUPPORTED_LANGUAGES, default=None, help="language of the texts (default: the team's)"
    )


def _table(t: Translator, card: Card) -> Table:
    table = Table(title=render.title(t, card), caption=card.period.label())
    for heading in ("indicator", "value", "trend", "note"):
        table.add_column(t(f"scorecard.column_{heading}"))
    for line in render.lines(t, card):
        note = line.withheld or line.flag
        table.add_row(line.label, line.value, line.trend, f"[red]{note}[/red]" if line.flag else note)
    return table


async def run_report(settings: Settings, args: argparse.Namespace) -> int:
    app = build_app(settings)
    try:
        await app.prepare_database()
        async with app.sessions() as session:
            try:
                tenant = await find_team(session, args.team)
            except TeamNotFound as error:
                print(f"learnbot: {error}", file=sys.stderr)
                return 2
            team = Team(tenant.id)
            if args.channel:
                found = await channel_team(session, tenant.id, args.channel)
                if found is None:
                    print(f"learnbot: no channel {args.channel!r} in team {args.team!r}", file=sys.stderr)
                    return 2
                team = found
            now = app.clock.now()
            period = last_months(now, args.months, tenant.timezone) if args.months else rolling(now, tenant.timezone)
            card = await app.scorecard.card(session, team, period)
            t = app.catalog.translator(args.language or tenant.language)
    finally:
        await app.close()
    Console(soft_wrap=True).print(_table(t, card))
    if card.all_withheld:
        print(t("scorecard.nothing_shown"))
        for reason in sorted({line.withheld for line in render.lines(t, card) if line.withheld}):
            print(reason)
    if args.csv is not None:
        with args.csv.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(render.CSV_HEADER)
            writer.writerows(render.csv_rows(t, card))
        print(f"wrote {len(card.figures)} figures to {args.csv}", file=sys.stderr)
    if args.png is not None:
        args.png.write_bytes(render_png(render.chart(t, card)))
        print(f"wrote the chart to {args.png}", file=sys.stderr)
    return 0


RUNNERS = {"report": run_report}
