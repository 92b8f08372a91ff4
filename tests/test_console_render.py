"""Terminal rendering of every neutral block."""

from __future__ import annotations

from adapters.console.render import Style, render
from bot.model import (
    Button,
    Buttons,
    Context,
    Divider,
    Fields,
    Form,
    Header,
    Input,
    Option,
    OutboundMessage,
    Text,
)


def test_every_block_renders_readably() -> None:
    form = Form("answer", "Daily reflection", "Send", (Input("a", "Answer", "multiline"),))
    message = OutboundMessage(
        text="fallback",
        blocks=(
            Header("Title"),
            Text("Body text"),
            Fields((("Streak", "3"), ("Best", "5"))),
            Divider(),
            Buttons((Button("Yes", "y"), Button("No", "n"))),
            Context("muted"),
            form,
        ),
        private=True,
    )
    rendered = render(message, Style(), first_number=3)
    lines = rendered.text.splitlines()
    assert lines[0] == "🔒 Title"
    assert "Streak: 3" in lines and "Best: 5" in lines
    assert "[3] Yes   [4] No" in lines
    assert "  muted" in lines
    assert "▸ Daily reflection" in lines
    assert [button.label for button in rendered.buttons] == ["Yes", "No"]
    assert rendered.forms == [form]


def test_message_without_blocks_shows_its_text() -> None:
    assert render(OutboundMessage(text="just text"), Style()).text == "just text"


def test_color_only_when_asked() -> None:
    message = OutboundMessage(text="t", blocks=(Header("H"),))
    assert "\033[1m" in render(message, Style(color=True)).text
    assert "\033[" not in render(message, Style(color=False)).text


def test_select_options_are_kept_for_the_form_prompt() -> None:
    select = Input("s", "Pick", "select", options=(Option("a", "A"), Option("b", "B")))
    rendered = render(OutboundMessage(text="f", blocks=(Form("f", "F", "Go", (select,)),)), Style())
    assert rendered.forms[0].inputs[0].options[1].label == "B"
