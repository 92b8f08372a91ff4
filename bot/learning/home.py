"""The learning log's section of a member's home: the newest entries."""

from __future__ import annotations

from bot.directory import member_timezone
from bot.learning.commands import SNIPPET_LENGTH
from bot.learning.log import LearningLog
from bot.model import Block, Context, Text
from bot.turn import Turn

HOME_RECENT = 5
ORDER = 50


class LearningHome:
    def __init__(self, log: LearningLog) -> None:
        self._log = log

    async def recent_section(self, turn: Turn) -> tuple[Block, ...]:
        page = await self._log.recent(turn.session, turn.member.id)
        if not page.items:
            return (Text(turn.t("home.no_learnings")),)
        zone = member_timezone(turn.member)
        blocks: list[Block] = [Text(turn.t("home.recent_title", total=page.total))]
        for learning in page.items[:HOME_RECENT]:
            text = " ".join(learning.text.split())
            if len(text) > SNIPPET_LENGTH:
                text = text[: SNIPPET_LENGTH - 1] + "…"
            blocks.append(Text(text))
            blocks.append(Context(learning.created_at.astimezone(zone).strftime("%Y-%m-%d")))
        return tuple(blocks)
