"""The neutral messages of nudges: prompts, reminders, summaries, answer forms.

Each platform renders them natively: the Answer button's action returns a Form (a Slack modal, a Teams card, the
terminal asks the inputs in turn).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog import Translator
from bot.conversations.kinds import MAX_TEXT_ANSWER, SUBMIT_ACTION, answer_button
from bot.model import Block, Buttons, Context, Form, Header, Input, OutboundMessage, Text

# Action ids of buttons on prompts posted before the conversation engine; they still open and submit the form.
LEGACY_ACTIONS = {"nudge.answer": "conversation.answer", "nudge.submit": "conversation.submit"}
MAX_ANSWER_LENGTH = MAX_TEXT_ANSWER
SNIPPET = 200


def questions(t: Translator, prompt_set: str, topic: str | None = None) -> list[str]:
    """The prompt set's questions in the member's language, with `{topic}` filled in."""
    fill = {"topic": topic or t("nudges.default_topic")}
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
        button = answer_button(self.answer_label, delivery_id)
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
        Buttons((answer_button(t("nudges.answer"), prompt_delivery_id),)),
    )
    return OutboundMessage(text=text, blocks=blocks, language=t.language)


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
