"""A member's personal page (Slack App Home): sections that features contribute, as neutral blocks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.model import Block, Button, Buttons, Context, Divider, Header, Text
from bot.turn import Turn

# A section gets the turn of the member looking and returns its blocks (nothing to hide itself).
HomeSection = Callable[[Turn], Awaitable[tuple[Block, ...]]]


class Home:
    """Sections in order of registration. The nudge engine adds streak and next nudges through `add`."""

    def __init__(self) -> None:
        self._sections: list[tuple[int, HomeSection]] = []

    def add(self, section: HomeSection, *, order: int = 50) -> None:
        """Lower `order` comes first: 10 status (streak, next nudges), 50 the learning log, 90 actions."""
        self._sections.append((order, section))
        self._sections.sort(key=lambda item: item[0])

    async def render(self, turn: Turn) -> tuple[Block, ...]:
        blocks: list[Block] = [Header(turn.t("home.title"))]
        for _, section in self._sections:
            part = await section(turn)
            if part:
                blocks.extend(part)
                blocks.append(Divider())
        blocks.append(Context(turn.t("home.footer")))
        return tuple(blocks)


def actions_section(turn: Turn) -> tuple[Block, ...]:
    """The buttons every member gets: log a learning now."""
    return (
        Text(turn.t("home.actions_intro")),
        Buttons((Button(turn.t("home.log_learning"), "learning.compose", style="primary"),)),
    )
