"""`learned <text>` and `learnings [query]`: the learning log in chat."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.commands.spec import Arg, Args, CommandSpec, Kind
from bot.db.base import row_id
from bot.directory import member_timezone
from bot.learning_log import PAGE_SIZE, LearningLog, LearningPage
from bot.learning_search import MAX_COUNTED
from bot.model import Block, Button, Buttons, Context, Header, InboundAction, OutboundMessage, Text
from bot.privacy.rows import is_former_colleague
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot

SNIPPET_LENGTH = 280


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_LENGTH else text[: SNIPPET_LENGTH - 1].rstrip() + "…"


class LearningCommands:
    def __init__(self, log: LearningLog) -> None:
        self._log = log

    def register(self, bot: LearnBot) -> None:
        bot.command(CommandSpec("learned", self.learned, (Arg("text", Kind.TEXT),), priority=1, slash=True))
        bot.command(
            CommandSpec(
                "learnings",
                self.learnings,
                (Arg("query", Kind.TEXT, required=False), Arg("page", Kind.NUMBER, keyword=True, low=1, high=100_000)),
                priority=2,
            )
        )
        bot.action("learnings.page", self.next_page)
        bot.action("learning.undo", self.undo)

    async def learned(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        return await self.save(turn, args.text.strip())

    async def save(self, turn: Turn, text: str, *, source_url: str | None = None) -> list[OutboundMessage]:
        """Log `text` as the turn member's learning (the command, the form and the shortcut alike); `source_url`
        links the message it was saved from."""
        if not text:
            raise UsageError("learned.empty")
        learning = await self._log.add(
            turn.session,
            tenant_id=turn.tenant.id,
            member_id=turn.member.id,
            conversation_id=turn.conversation.id,
            text=text,
            language=turn.language,
            now=turn.now,
            source_url=source_url,
        )
        tags = [tag.tag for tag in learning.tags]
        saved = (
            turn.t("learned.saved_with_tags", tags=" ".join(f"#{tag}" for tag in tags))
            if tags
            else turn.t("learned.saved")
        )
        blocks: tuple[Block, ...] = (
            Text(saved),
            Context(turn.t("learned.hint")),
            Buttons((Button(turn.t("learned.undo"), f"learning.undo:{learning.id}", str(learning.id)),)),
        )
        return [OutboundMessage(text=saved, blocks=blocks, private=True)]

    async def learnings(self, turn: Turn, args: Args) -> list[OutboundMessage]:
        return [await self._page(turn, args.string("query") or "", args.number("page") or 1)]

    async def next_page(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        try:
            state = json.loads(action.value)
            query, page = str(state["q"]), int(state["p"])
        except (ValueError, KeyError, TypeError):
            raise UsageError("errors.unknown_action") from None
        return [await self._page(turn, query, max(1, min(page, 1_000_000)))]  # a forged value must fit SQL

    async def undo(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        learning_id = row_id(action.value) or 0
        deleted = await self._log.delete(turn.session, learning_id, turn.member.id)
        key = "learned.undone" if deleted else "learned.undo_failed"
        return [OutboundMessage(text=turn.t(key), blocks=(Text(turn.t(key)),), private=True, replace_source=True)]

    async def _page(self, turn: Turn, query: str, page: int) -> OutboundMessage:
        if query:
            result = await self._log.search(turn.session, turn.tenant.id, query, page)
            title = turn.t("learnings.search_title", query=_snippet(query)[:80], total=result.total_label)
            empty = turn.t("learnings.search_empty", query=_snippet(query)[:80])
        else:
            result = await self._log.recent(turn.session, turn.member.id, page)
            title = turn.t("learnings.recent_title", total=result.total)
            empty = turn.t("learnings.recent_empty")
        if not result.items:
            return OutboundMessage(text=empty, blocks=(Text(empty),), private=True)
        return OutboundMessage(text=title, blocks=self._render(turn, title, query, result), private=True)

    def _render(self, turn: Turn, title: str, query: str, result: LearningPage) -> tuple[Block, ...]:
        zone = member_timezone(turn.member)
        blocks: list[Block] = [Header(title)]
        for learning in result.items:
            if is_former_colleague(learning.author):
                author = turn.t("learnings.former_colleague")
            else:
                author = learning.author.display_name or turn.t("learnings.someone")
            when = learning.created_at.astimezone(zone).strftime("%Y-%m-%d")
            blocks.append(Text(_snippet(learning.text)))
            blocks.append(Context(turn.t("learnings.byline", author=author, date=when, id=learning.id)))
        pages = -(-min(result.total, MAX_COUNTED) // PAGE_SIZE)
        pages_label = f"{pages}+" if result.total > MAX_COUNTED else str(pages)
        blocks.append(Context(turn.t("learnings.page_of", page=result.page, pages=pages_label)))
        if result.has_more:
            state = json.dumps({"q": query, "p": result.page + 1}, ensure_ascii=False)
            blocks.append(Buttons((Button(turn.t("learnings.more"), "learnings.page", state),)))
        return tuple(blocks)
