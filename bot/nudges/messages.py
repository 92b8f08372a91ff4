"""The neutral messages the engine sends: prompts, reminders, resurfacing questions, summaries, answer forms.

Each platform renders them natively: the Answer button's action returns a Form (a Slack modal, a Teams card, the
terminal asks the inputs in turn).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog import Translator
from bot.model import Block, Button, Buttons, Context, Form, Header, Input, OutboundMessage, Text

ANSWER_ACTION = "nudge.answer"
SUBMIT_ACTION = "nudge.submit"
RESURFACE_ACTION = "nudge.resurface"
OUTCOMES = ("yes", "not_yet", "not_relevant")
MAX_ANSWER_LENGTH = 3_000
SNIPPET = 200


def questions(t: Translator, prompt_set: str, topic: str | None = None, learning: str | None = None) -> list[str]:
    """The prompt set's questions in the member's language, with `{topic}` / `{learning}` filled in."""
    fill = {"topic": topic or t("nudges.default_topic"), "learning": _snippet(learning or "")}
    return [question.format(**fill) for question in t.questions(f"promptsets.{prompt_set}.questions")]


def title(t: Translator, prompt_set: str) -> str:
    return t(f"promptsets.{prompt_set}.title")


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1].rstrip() + "…"


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt message without its delivery id: the same for every recipient of a run in one language, so a
    fan-out builds it once and stamps each delivery's id into the Answer button."""

    text: str
    blocks: tuple[Block, ...]
    answer_label: str
    language: str

    def message(self, delivery_id: int) -> OutboundMessage:
        button = Button(self.answer_label, ANSWER_ACTION, str(delivery_id), style="primary")
        return OutboundMessage(text=self.text, blocks=(*self.blocks, Buttons((button,))), language=self.language)


def prompt_template(
    t: Translator, prompt_set: str, *, topic: str | None = None, in_channel: bool = False
) -> PromptTemplate:
    heading = title(t, prompt_set)
    asked = questions(t, prompt_set, topic)
    hint = t("nudges.answer_hint_channel") if in_channel else t("nudges.answer_hint_direct")
    blocks: tuple[Block, ...] = (Header(heading), Text("\n".join(f"• {question}" for question in asked)), Context(hint))
    return PromptTemplate(f"{heading}: {asked[0]}", blocks, t("nudges.answer"), t.language)


def prompt_message(
    t: Translator, prompt_set: str, delivery_id: int, *, topic: str | None = None, in_channel: bool = False
) -> OutboundMessage:
    return prompt_template(t, prompt_set, topic=topic, in_channel=in_channel).message(delivery_id)


def reminder_message(t: Translator, prompt_set: str, prompt_delivery_id: int) -> OutboundMessage:
    text = t("nudges.reminder", title=title(t, prompt_set))
    blocks: tuple[Block, ...] = (
        Text(text),
        Buttons((Button(t("nudges.answer"), ANSWER_ACTION, str(prompt_delivery_id), style="primary"),)),
    )
    return OutboundMessage(text=text, blocks=blocks, language=t.language)


def resurface_message(t: Translator, learning: str, delivery_id: int) -> OutboundMessage:
    question = questions(t, "resurfacing", learning=learning)[0]
    buttons = tuple(
        Button(t(f"nudges.outcome_{outcome}"), RESURFACE_ACTION, f"{delivery_id}:{outcome}") for outcome in OUTCOMES
    )
    blocks: tuple[Block, ...] = (Header(title(t, "resurfacing")), Text(question), Buttons(buttons))
    return OutboundMessage(text=question, blocks=blocks, language=t.language)


def summary_message(
    t: Translator, prompt_set: str, asked: int, answers: list[tuple[str, str]], thread_id: str | None
) -> OutboundMessage:
    heading = t("nudges.summary_title", title=title(t, prompt_set), answered=len(answers), asked=asked)
    blocks: list[Block] = [Header(heading)]
    if not answers:
        blocks.append(Text(t("nudges.summary_none")))
    for author, text in answers[:20]:
        blocks.append(Text(_snippet(text)))
        blocks.append(Context(author))
    return OutboundMessage(text=heading, blocks=tuple(blocks), thread_id=thread_id, language=t.language)


def answer_form(t: Translator, prompt_set: str, delivery_id: int, topic: str | None, current: str | None) -> Form:
    label = " ".join(questions(t, prompt_set, topic))
    field = Input("answer", label[:2000], kind="multiline", initial=current, max_length=MAX_ANSWER_LENGTH)
    return Form(SUBMIT_ACTION, t("nudges.form_title"), t("nudges.form_submit"), (field,), value=str(delivery_id))
