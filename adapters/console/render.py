"""Neutral messages as terminal text. Pure: returns the text and the buttons it numbered."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.model import Button, Buttons, Context, Divider, Fields, Form, Header, OutboundMessage, Text

WIDTH = 100


@dataclass
class Rendered:
    text: str
    buttons: list[Button] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)


@dataclass(frozen=True)
class Style:
    color: bool = False

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.color else text

    def dim(self, text: str) -> str:
        return f"\033[2m{text}\033[0m" if self.color else text


def _wrap(text: str, indent: str = "") -> str:
    lines = []
    for line in text.split("\n"):
        lines.append(textwrap.fill(line, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ") or indent)
    return "\n".join(lines)


def render(
    message: OutboundMessage, style: Style, first_number: int = 1, numbers: Sequence[int] | None = None
) -> Rendered:
    """Render `message`; buttons are numbered from `first_number`, or by `numbers` (one per button) when the
    caller keeps numbers stable across messages."""
    out: list[str] = []
    rendered = Rendered("")
    for block in message.blocks or (Text(message.text),):
        match block:
            case Header(text=text):
                out.append(style.bold(text))
            case Text(text=text):
                out.append(_wrap(text))
            case Fields(pairs=pairs):
                out.extend(_wrap(f"{label}: {value}") for label, value in pairs)
            case Context(text=text):
                out.append(style.dim(_wrap(text, "  ")))
            case Divider():
                out.append(style.dim("─" * 40))
            case Buttons(buttons=buttons):
                labels = []
                for button in buttons:
                    rendered.buttons.append(button)
                    index = len(rendered.buttons) - 1
                    number = numbers[index] if numbers is not None else first_number + index
                    labels.append(f"[{number}] {button.label}")
                out.append("   ".join(labels))
            case Form() as form:
                rendered.forms.append(form)
                out.append(style.bold(f"▸ {form.title}"))
    prefix = "🔒 " if message.private else ""
    rendered.text = prefix + "\n".join(out)
    return rendered
