"""The terminal chat loop: lines in (typed or piped), the core's replies out."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from adapters.console.adapter import PLATFORM, ConsoleAdapter
from bot.catalog import Translator
from bot.commands.arguments import ascii_number
from bot.errors import apology, report
from bot.model import (
    ConversationKind,
    ConversationRef,
    FormValue,
    InboundAction,
    InboundMessage,
    Input,
    Mention,
    OutboundMessage,
    SentRef,
    UserRef,
)
from bot.ports import InboundHandler

ReadLine = Callable[[str], Awaitable[str | None]]
TEAM_ID = "local"
_YES = {"y", "yes", "j", "ja", "1", "true"}


_MENTION = re.compile(r"@([\w.-]+)")
# `reply 3 my answer` or `reply my answer` (the latest prompt); the words of every language.
_REPLY = re.compile(r"^\s*(?:reply|svar|svara)(?:\s+#?(\d+))?\s+(\S.*)$", re.IGNORECASE | re.DOTALL | re.ASCII)


def user_id_for(name: str) -> str:
    return re.sub(r"\s+", "-", name.strip().casefold()) or "me"


def local_user(name: str) -> UserRef:
    return UserRef(PLATFORM, TEAM_ID, user_id_for(name), name)


def mentions_in(line: str) -> tuple[Mention, ...]:
    """`@Bo` in the terminal mentions the local member Bo (who exists from then on, as on a real platform)."""
    return tuple(Mention(local_user(match.group(1)), match.group(0)) for match in _MENTION.finditer(line))


def stdin_reader(interactive: bool) -> ReadLine:
    """Read a line without blocking the event loop, so proactive messages can print meanwhile."""

    async def read(prompt: str) -> str | None:
        if interactive:
            sys.stdout.write(prompt)
            sys.stdout.flush()
        line = await asyncio.to_thread(sys.stdin.readline)
        return None if line == "" else line.rstrip("\n")

    return read


def _without_nul(read: ReadLine) -> ReadLine:
    """Ctrl-@ types U+0000, which PostgreSQL text cannot store: drop it from every line, forms included."""

    async def clean(prompt: str) -> str | None:
        line = await read(prompt)
        return None if line is None else line.replace("\x00", "")

    return clean


class ConsoleChat:
    def __init__(
        self,
        handler: InboundHandler,
        adapter: ConsoleAdapter,
        t: Translator,
        out: TextIO,
        *,
        name: str,
        team: str,
        echo: bool,
    ) -> None:
        self._handler = handler
        self._adapter = adapter
        self._catalog = t.catalog
        self._default_language = t.language
        self._out = out
        self._echo = echo  # piped input is echoed so a transcript reads like a conversation
        self._team = team
        self._room = ConversationRef(PLATFORM, TEAM_ID, "team-room", ConversationKind.CHANNEL, name=team)
        # The language each member was last answered in, so the chat's own words match the member's.
        self._languages: dict[str, str] = {}
        self.user = local_user(name)
        adapter.current = self.user

    @property
    def _t(self) -> Translator:
        return self._catalog.translator(self._languages.get(self.user.id, self._default_language))

    def _say(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    async def run(self, read: ReadLine) -> None:
        read = _without_nul(read)
        self._say(self._t("console.welcome", name=self.user.name, team=self._team) + "\n")
        while (line := await read(f"{self.user.name}> ")) is not None:
            if not line.strip():
                continue
            if self._echo:
                self._say(f"{self.user.name}> {line}")
            command = line.strip()
            if command in (":quit", ":q", ":exit"):
                break
            if command.startswith(":as "):
                self._switch(command[4:])
                continue
            try:
                await self._handle_line(line, read)
            except BrokenPipeError:
                raise  # the reader has gone (`| head`): the command line ends quietly
            except Exception as error:  # the chat never dies on a line; the log has the traceback
                self._say(apology(self._t, report(error, "the terminal chat")).text + "\n")
        self._say(self._t("console.bye"))

    def _switch(self, name: str) -> None:
        name = name.strip() or "me"
        self.user = local_user(name)
        self._adapter.current = self.user
        self._say(self._t("console.switched", name=name) + "\n")
        self._adapter.release(self.user)

    async def _handle_line(self, line: str, read: ReadLine) -> None:
        choice = line.strip()
        number = ascii_number(choice) if not choice.startswith("#") else None
        if number is not None and number in self._adapter.buttons:
            button, sent = self._adapter.buttons[number]
            action = InboundAction(self.user, sent.conversation, button.action_id, button.value, source=sent)
            await self._show(await self._handler.handle_action(action), sent.conversation, sent)
        elif (reply := _REPLY.match(line)) is not None:
            await self._reply(reply.group(1), reply.group(2))
        else:
            message = InboundMessage(self.user, self._room, line, mentions=mentions_in(line))
            await self._show(await self._handler.handle_message(message), self._room, None)
        await self._fill_forms(read)

    async def _reply(self, number: str | None, text: str) -> None:
        """`reply [N] text`: an answer in the thread of message N, or of the latest prompt, as in Slack."""
        shown = self._adapter.messages.get(number) if number else self._adapter.latest_prompt(self.user)
        if shown is None or self._adapter.is_for_someone_else(shown.sent.conversation) is not None:
            self._say(self._t("console.no_such_message", number=number or "–") + "\n")
            return
        where = shown.sent.conversation
        message = InboundMessage(self.user, where, text, thread_id=shown.sent.id, addressed=False)
        replies = await self._handler.handle_message(message)
        if not replies:
            self._say(self._t("console.nothing_awaited") + "\n")
        await self._show(replies, where, None)

    async def _show(
        self, replies: list[OutboundMessage], conversation: ConversationRef, source: SentRef | None
    ) -> None:
        for reply in replies:
            if reply.language:
                self._languages[self.user.id] = reply.language
            self._adapter.reply(conversation, reply, source)

    async def _fill_forms(self, read: ReadLine) -> None:
        while self._adapter.forms:
            pending = self._adapter.forms.pop(0)
            form, sent = pending.form, pending.sent
            self._say(pending.t("console.form_intro"))
            values: dict[str, FormValue] = {}
            for field in form.inputs:
                value = await self._ask(field, read, pending.t)
                if value is None:  # end of input in the middle of a form: nothing half-submitted
                    return
                values[field.id] = value
            action = InboundAction(self.user, sent.conversation, form.action_id, form.value, values, source=sent)
            await self._show(await self._handler.handle_action(action), sent.conversation, sent)

    async def _ask(self, field: Input, read: ReadLine, t: Translator) -> FormValue | None:
        label = field.label + ("" if field.optional else " *")
        if field.kind == "select":
            for number, option in enumerate(field.options, 1):
                self._say(f"  {number}) {option.label}")
            while True:
                answer = await read(f"{label} ({t('console.form_select')}): ")
                if answer is None:
                    return None
                answer = answer.strip()
                if not answer and (field.optional or field.initial is not None):
                    return field.initial
                if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(field.options):
                    return field.options[int(answer) - 1].value
                self._say(t("console.form_invalid"))
        if field.kind == "checkbox":
            answer = await read(f"{label} ({t('console.form_checkbox')}): ")
            if answer is None:
                return None
            return answer.strip().casefold() in _YES if answer.strip() else bool(field.initial)
        if field.kind == "multiline":
            self._say(label)
            lines: list[str] = []
            while (answer := await read("  ")) is not None and answer.strip() != ".":
                lines.append(answer)
            return "\n".join(lines) if lines else (field.initial if isinstance(field.initial, str) else "")
        answer = await read(f"{label}: ")
        if answer is None:
            return None
        return answer if answer.strip() else (field.initial if isinstance(field.initial, str) else "")
