"""A scripted terminal session for the retro tests: typed lines and steps (clock moves, ticks, button presses)."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from adapters.app import App
from adapters.console.adapter import ConsoleAdapter
from adapters.console.chat import ConsoleChat, ReadLine
from adapters.console.render import Style
from bot.clock import ManualClock

Step = str | Callable[[], Awaitable[str | None]]


class Session:
    """The terminal chat of one test, with marks to cut its output into phases."""

    def __init__(self, app: App, clock: ManualClock, start: datetime) -> None:
        self.app, self.clock, self.start = app, clock, start
        self.out = io.StringIO()
        self.adapter = ConsoleAdapter(self.out, Style(), app.catalog)
        app.notifier.register(self.adapter)
        self.chat = ConsoleChat(
            app.bot, self.adapter, app.catalog.translator("en"), self.out, name="Anna", team="T", echo=True
        )
        self.marks: dict[str, int] = {}

    def mark(self, name: str) -> Step:
        async def step() -> None:
            self.marks[name] = len(self.out.getvalue())

        return step

    def between(self, start: str, end: str | None = None) -> str:
        return self.out.getvalue()[self.marks[start] : self.marks[end] if end else None]

    def at(self, delta: timedelta) -> Step:
        async def step() -> None:
            self.clock.set(self.start + delta)
            await self.app.conversations.tick()
            await self.app.conversations.tick()  # what a close scheduled (the voting round) goes out too

        return step

    def press(self, action_id: str, value_end: str = "", conversation: str | None = None) -> Step:
        """The number of the newest button for `action_id` (value ending in `value_end`) the member can see."""

        async def step() -> str:
            for number in sorted(self.adapter.buttons, reverse=True):
                button, sent = self.adapter.buttons[number]
                if button.action_id != action_id or not button.value.endswith(value_end):
                    continue
                if conversation is not None and sent.conversation.id != conversation:
                    continue
                if self.adapter.is_for_someone_else(sent.conversation) is None:
                    return str(number)
            raise AssertionError(f"no {action_id} button visible")

        return step

    async def run(self, steps: list[Step]) -> None:
        await self.chat.run(script(steps))


def script(steps: list[Step]) -> ReadLine:
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
