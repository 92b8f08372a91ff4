"""Help texts generated from the command specs: usage lines, `help`, `help <command>`, usage errors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.catalog import Catalog, Translator
from bot.commands.book import CommandBook
from bot.commands.spec import Arg, Args, CommandSpec, Kind
from bot.model import Block, Context, Header, OutboundMessage, Text
from bot.turn import Turn

if TYPE_CHECKING:
    from bot.core import LearnBot

# Examples name a date this far ahead, so `pause until …` never shows a day that has passed.
EXAMPLE_DAYS_AHEAD = 60


class HelpBook:
    def __init__(self, catalog: Catalog, book: CommandBook) -> None:
        self._catalog = catalog
        self._book = book

    # --- usage lines ------------------------------------------------------------------------------------------

    def first_word(self, t: Translator, spec: CommandSpec) -> str:
        words = self._book.words(t.language, spec)
        return words[0] if words else spec.name

    def path(self, t: Translator, spec: CommandSpec) -> str:
        parts = spec.key.split(".")
        specs = [self._book.get(".".join(parts[: n + 1])) for n in range(len(parts))]
        return " ".join(self.first_word(t, each) for each in specs if each is not None)

    def _arg(self, t: Translator, spec: CommandSpec, arg: Arg) -> str:
        base = f"commands.{spec.key}"
        if arg.kind is Kind.FLAG:
            return f"[{t.questions(f'{base}.keywords.{arg.name}')[0]}]"
        if arg.kind is Kind.CHOICE:
            label = "|".join(t.questions(f"{base}.choices.{arg.name}.{choice}")[0] for choice in arg.choices)
        else:
            label = t(f"{base}.args.{arg.name}")
        if arg.keyword:
            return f"[{t.questions(f'{base}.keywords.{arg.name}')[0]} {label}]"
        return f"<{label}>" if arg.required else f"[{label}]"

    def usage(self, t: Translator, spec: CommandSpec) -> str:
        path = self.path(t, spec)
        subs = f"{path} {'|'.join(self.first_word(t, sub) for sub in spec.subcommands)} …" if spec.subcommands else ""
        if spec.handler is None:
            return subs
        own = " ".join([path, *(self._arg(t, spec, arg) for arg in spec.args)])
        return f"{own} · {subs}" if subs else own

    def label(self, t: Translator, spec: CommandSpec, arg_name: str) -> str:
        arg = next((arg for arg in spec.args if arg.name == arg_name), None)
        if arg is None:
            return arg_name
        return self._arg(t, spec, arg).strip("<>[]")

    # --- messages ---------------------------------------------------------------------------------------------

    def overview(self, t: Translator) -> OutboundMessage:
        specs = sorted(self._book.commands, key=lambda spec: spec.priority)
        lines = [f"• {self.usage(t, spec)} — {t(f'commands.{spec.key}.summary')}" for spec in specs]
        blocks: tuple[Block, ...] = (Header(t("help.title")), Text("\n".join(lines)), Context(t("help.footer")))
        return OutboundMessage(text=t("help.title"), blocks=blocks, private=True)

    def _detail_blocks(self, t: Translator, spec: CommandSpec, today: date) -> tuple[Block, ...]:
        blocks: list[Block] = [Header(self.usage(t, spec)), Text(t(f"commands.{spec.key}.help"))]
        if spec.subcommands:
            lines = [f"• {self.usage(t, sub)} — {t(f'commands.{sub.key}.summary')}" for sub in spec.subcommands]
            blocks.append(Text("\n".join(lines)))
        example_key = f"commands.{spec.key}.examples"
        if self._catalog.has(example_key):
            future = (today + timedelta(days=EXAMPLE_DAYS_AHEAD)).isoformat()
            blocks.append(Context(t("help.examples", examples=t(example_key, future=future))))
        return tuple(blocks)

    def detail(self, t: Translator, spec: CommandSpec, today: date) -> OutboundMessage:
        return OutboundMessage(text=self.usage(t, spec), blocks=self._detail_blocks(t, spec, today), private=True)

    def unknown(self, t: Translator, word: str, suggestion: str | None, today: date) -> OutboundMessage:
        spec = self._book.get(suggestion) if suggestion else None
        if spec is None:
            message = t("help.unknown", word=word)
            rest = self.overview(t).blocks
        else:
            message = t("help.unknown_suggest", word=word, suggestion=self.first_word(t, spec))
            rest = self._detail_blocks(t, spec, today)
        return OutboundMessage(text=message, blocks=(Text(message), *rest), private=True)

    def usage_error(self, t: Translator, spec: CommandSpec, message: str, today: date) -> OutboundMessage:
        return OutboundMessage(text=message, blocks=(Text(message), *self._detail_blocks(t, spec, today)), private=True)


def install(bot: LearnBot) -> None:
    """`help [command]`."""

    async def help_command(turn: Turn, args: Args) -> list[OutboundMessage]:
        today = turn.now.date()
        topic = (args.string("command") or "").strip()
        if not topic:
            return [bot.help.overview(turn.t)]
        spec = bot.commands.find(topic.lstrip("/"))
        if spec is None:
            word = topic.split()[0].lstrip("/")[:60]
            return [bot.help.unknown(turn.t, word, bot.commands.nearest(word), today)]
        return [bot.help.detail(turn.t, spec, today)]

    bot.command(CommandSpec("help", help_command, (Arg("command", Kind.TEXT, required=False),), priority=0))
