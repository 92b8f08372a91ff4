"""Privacy: the personal-data contracts of every feature, export me, forget me, retention, the audit trail and
the k-anonymity rule. This package names no feature: each feature registers its own contract."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.privacy.commands import PrivacyCommands

if TYPE_CHECKING:
    from bot.core import LearnBot


def install(bot: LearnBot, *, retention_days: int, k: int) -> None:
    bot.personal_data.guard(bot.sessions)
    PrivacyCommands(bot, bot.personal_data, retention_days=retention_days, k=k).register(bot)
