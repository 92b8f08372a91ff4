"""The terminal chat loop: buttons by number and forms asked input by input."""

from __future__ import annotations

import io

from adapters.console.adapter import ConsoleAdapter
from adapters.console.chat import ConsoleChat, ReadLine
from adapters.console.render import Style
from bot.catalog import Catalog
from bot.model import (
    Button,
    Buttons,
    Form,
    InboundAction,
    InboundMessage,
    Input,
    Option,
    OutboundMessage,
    Text,
)
from bot.ports import InboundHandler


def lines(*typed: str) -> ReadLine:
    queue = list(typed)

    async def read(prompt: str) -> str | None:
        return queue.pop(0) if queue else None

    return read


class FormBot:
    """A handler that answers any message with a button, the button with a form, the form with a thank-you."""

    def __init__(self) -> None:
        self.actions: list[InboundAction] = []

    async def handle_message(self, message: InboundMessage) -> list[OutboundMessage]:
        return [OutboundMessage("q", (Text("Question?"), Buttons((Button("Answer", "answer", "run-7"),))))]

    async def handle_action(self, action: InboundAction) -> list[OutboundMessage]:
        self.actions.append(action)
        if action.action_id == "answer":
            inputs = (
                Input("text", "What did you learn?", "multiline"),
                Input("mood", "Mood", "select", options=(Option("good", "Good"), Option("bad", "Bad"))),
                Input("anonymous", "Anonymous", "checkbox"),
                Input("note", "Note", optional=True, initial="none"),
            )
            return [OutboundMessage("form", (Form("answer.submit", "Reflection", "Send", inputs, "run-7"),))]
        return [OutboundMessage.plain("Thanks!", private=True)]


def _chat(bot: InboundHandler, out: io.StringIO) -> ConsoleChat:
    """A chat as member A of team T, without echo, in English unless the replies say otherwise."""
    catalog = Catalog.load()
    return ConsoleChat(
        bot, ConsoleAdapter(out, Style(), catalog), catalog.translator("en"), out, name="A", team="T", echo=False
    )


async def test_button_number_opens_form_and_answers_are_submitted() -> None:
    out = io.StringIO()
    bot = FormBot()
    adapter = ConsoleAdapter(out, Style(), Catalog.load())
    chat = ConsoleChat(bot, adapter, Catalog.load().translator("en"), out, name="Anna", team="T", echo=True)
    await chat.run(lines("hello", "1", "line one", "line two", ".", "7", "2", "ja", "", ":quit"))
    submitted = bot.actions[-1]
    assert submitted.action_id == "answer.submit" and submitted.value == "run-7"
    assert submitted.form == {"text": "line one\nline two", "mood": "bad", "anonymous": True, "note": "none"}
    assert "Please answer with one of the numbers shown." in out.getvalue()
    assert "🔒 Thanks!" in out.getvalue()


async def test_end_of_input_inside_a_form_submits_nothing() -> None:
    out = io.StringIO()
    bot = FormBot()
    chat = _chat(bot, out)
    await chat.run(lines("hello", "1", "only the first line"))
    assert [action.action_id for action in bot.actions] == ["answer"]
    assert out.getvalue().rstrip().endswith("Bye – keep learning!")


async def test_a_number_without_buttons_is_an_ordinary_message() -> None:
    out = io.StringIO()
    received: list[str] = []

    class Echo(FormBot):
        async def handle_message(self, message: InboundMessage) -> list[OutboundMessage]:
            received.append(message.text)
            return []

    chat = _chat(Echo(), out)
    await chat.run(lines("3"))
    assert received == ["3"]


async def test_terminal_chrome_follows_the_language_of_each_message() -> None:
    out = io.StringIO()

    class DanishFormBot(FormBot):
        async def handle_action(self, action: InboundAction) -> list[OutboundMessage]:
            from dataclasses import replace

            return [replace(reply, language="da") for reply in await super().handle_action(action)]

    bot = DanishFormBot()
    chat = _chat(bot, out)
    await chat.run(lines("hello", "1", "x", ".", "9", "1", "nej", ""))
    assert "Udfyld formularen" in out.getvalue()
    assert "Svar venligst med et af de viste numre." in out.getvalue()
    assert bot.actions[-1].form["anonymous"] is False


async def test_button_numbers_stay_pressable_until_their_message_is_replaced() -> None:
    out = io.StringIO()

    class Replacing(FormBot):
        async def handle_action(self, action: InboundAction) -> list[OutboundMessage]:
            self.actions.append(action)
            return [OutboundMessage("done", (Text("Done"),), replace_source=True)]

    bot = Replacing()
    chat = _chat(bot, out)
    await chat.run(lines("first", "second", "1", "1", "2"))
    # [1] belonged to the first message and still worked after the second arrived; once it was replaced, a
    # second "1" is an ordinary message, while [2] of the second message still presses.
    assert [action.source.id if action.source else None for action in bot.actions] == ["1", "2"]
    assert "[2] Answer" in out.getvalue() and "(#3 · updated)" in out.getvalue()
