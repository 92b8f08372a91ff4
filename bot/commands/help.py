"""Help texts, built from the catalog for whichever commands the composition root registered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.catalog import Catalog, Translator
from bot.commands.grammar import Grammar
from bot.model import Block, Context, Header, OutboundMessage, Text
from bot.turn import Turn

if TYPE_CHECKING:
    from bot.core import LearnBot


class HelpBook:
    def __init__(self, catalog: Catalog, grammar: Grammar) -> None:
        self._catalog = catalog
        self._grammar = grammar

    def overview(self, t: Translator) -> OutboundMessage:
        lines = [
            f"• {t(f'commands.{name}.usage')} — {t(f'commands.{name}.summary')}" for name in self._grammar.commands
        ]
        blocks: tuple[Block, ...] = (
            Header(t("help.title")),
            Text("\n".join(lines)),
            Context(t("help.footer")),
        )
        return OutboundMessage(text=t("help.title"), blocks=blocks, private=True)

    def _detail_blocks(self, t: Translator, name: str) -> tuple[Block, ...]:
        blocks: list[Block] = [Header(t(f"commands.{name}.usage")), Text(t(f"commands.{name}.help"))]
        if self._catalog.has(f"commands.{name}.examples"):
            blocks.append(Context(t("help.examples", examples=t(f"commands.{name}.examples"))))
        return tuple(blocks)

    def detail(self, t: Translator, name: str) -> OutboundMessage:
        return OutboundMessage(text=t(f"commands.{name}.usage"), blocks=self._detail_blocks(t, name), private=True)

    def unknown(self, t: Translator, word: str, suggestion: str | None) -> OutboundMessage:
        if suggestion is None:
            message = t("help.unknown", word=word)
            rest = self.overview(t).blocks
        else:
            message = t("help.unknown_suggest", word=word, suggestion=suggestion)
            rest = self._detail_blocks(t, suggestion)
        return OutboundMessage(text=message, blocks=(Text(message), *rest), private=True)

    def usage_error(self, t: Translator, name: str, message: str) -> OutboundMessage:
        return OutboundMessage(text=message, blocks=(Text(message), *self._detail_blocks(t, name)), private=True)


def register(bot: LearnBot) -> None:
    """`help [command]`."""

    async def help_command(turn: Turn, args: str) -> list[OutboundMessage]:
        if not args:
            return [bot.help.overview(turn.t)]
        word = args.split()[0].lstrip("/")
        name = bot.grammar.resolve(word)
        if name is None:
            return [bot.help.unknown(turn.t, word[:60], bot.grammar.nearest(word))]
        return [bot.help.detail(turn.t, name)]

    bot.command("help", help_command, aliases=("hjælp", "hjälp", "?"))
