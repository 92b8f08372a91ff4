"""Driving the terminal chat from a script: typed lines, steps that move the ManualClock and tick the engine,
and presses of buttons found by their action, as a member would pick their number."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import datetime

from adapters.app import App
from adapters.console.adapter import ConsoleAdapter
from adapters.console.chat import ConsoleChat, ReadLine
from adapters.console.render import Style
from bot.catalog import Catalog
from bot.clock import ManualClock
from bot.model import ConversationRef, OutboundMessage, SentRef

Step = str | Callable[[], Awaitable[str | None]]


class RecordingConsole(ConsoleAdapter):
    """The terminal adapter, also noting every proactive send (DMs for whoever is not at the keyboard too)."""

    def __init__(self, out: io.StringIO, catalog: Catalog) -> None:
        super().__init__(out, Style(), catalog)
        self.sends: list[tuple[int, str, str]] = []  # (output position, conversation id, message text)

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        self.sends.append((len(self._out.getvalue()), conversation.id, message.text))  # type: ignore[attr-defined]
        return await super().send(conversation, message)


class Terminal:
    def __init__(self, app: App, clock: ManualClock) -> None:
        self.app, self.clock = app, clock
        self.out = io.StringIO()
        self.adapter = RecordingConsole(self.out, app.catalog)
        app.notifier.register(self.adapter)
        self.chat = ConsoleChat(
            app.bot, self.adapter, app.catalog.translator("en"), self.out, name="Anna", team="T", echo=True
        )
        self.marks: dict[str, int] = {}

    def at(self, instant: datetime, name: str) -> Step:
        async def step() -> None:
            self.clock.set(instant)
            self.marks[name] = len(self.out.getvalue())
            await self.app.conversations.tick()

        return step

    def mark(self, name: str) -> Step:
        async def step() -> None:
            self.marks[name] = len(self.out.getvalue())

        return step

    def press(self, action_id: str, conversation: str | None = None) -> Step:
        """The number of the newest button with `action_id` (in `conversation`, if given)."""

        async def step() -> str:
            found = [
                number
                for number, (button, sent) in self.adapter.buttons.items()
                if button.action_id == action_id and (conversation is None or sent.conversation.id == conversation)
            ]
            assert found, f"no {action_id} button shown"
            return str(max(found))

        return step

    def between(self, start: str, end: str | None = None) -> str:
        return self.out.getvalue()[self.marks[start] : self.marks[end] if end else None]

    def sent_between(self, start: str, end: str | None = None) -> list[tuple[str, str]]:
        """Proactive sends between two marks, as (conversation id, text)."""
        low, high = self.marks[start], self.marks[end] if end else len(self.out.getvalue()) + 1
        return [(where, text) for at, where, text in self.adapter.sends if low <= at < high]

    async def run(self, steps: list[Step]) -> str:
        await self.chat.run(_script(steps))
        return self.out.getvalue()


def _script(steps: list[Step]) -> ReadLine:
    queue = list(steps)

    async def read(prompt: str) -> str | None:
        while queue:
            step = queue.pop(0)
            if isinstance(step, str):
                return step
            line = await step()
            if line is not None:
                return line
        return None

    return read
