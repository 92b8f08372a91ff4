"""The learning-culture scorecard: indicators contributed by the features (each a SQL aggregate over its own
tables), shown per team and period with trends, every figure through the shared k-anonymity rule.

`Scorecard` is the registry: the composition root creates it with the rule and the features' indicators, and
this package's install adds the `scorecard` command. `learnbot report` and the kickstart's evaluation step use
the same `Scorecard`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

import prompts
from bot.catalog import Translator
from bot.conversations.kinds import RoundView
from bot.core import LearnBot
from bot.db.models import Tenant
from bot.model import Block
from bot.scorecard import render
from bot.scorecard.card import Scorecard
from bot.scorecard.commands import ScorecardCommands
from bot.scorecard.periods import rolling
from bot.scorecard.teams import team_of

__all__ = ["Exhibit", "Scorecard", "install"]


def install(bot: LearnBot, scorecard: Scorecard) -> Scorecard:
    """The scorecard's one install step: its texts and the `scorecard` command."""
    bot.catalog.add_directory(Path(prompts.__file__).parent / "scorecard")
    ScorecardCommands(bot, scorecard).register(bot)
    return scorecard


class Exhibit:
    """The scorecard of the channel a round is in, over the 90 days before it: what the kickstart programme's
    evaluation step shows (see bot.programmes.kind)."""

    def __init__(self, scorecard: Scorecard) -> None:
        self._scorecard = scorecard

    async def __call__(self, session: AsyncSession, t: Translator, round: RoundView) -> tuple[Block, ...]:
        tenant = await session.get(Tenant, round.tenant_id)
        team = await team_of(session, round.tenant_id, round.conversation_id)
        card = await self._scorecard.card(session, team, rolling(round.due_at, tenant.timezone if tenant else "UTC"))
        return render.message(t, card).blocks
