"""The retro's kinds of the conversation engine: collecting items, the voting round, an action item's follow-up,
and the note to the starter when an anonymous retro's summary is withheld. The engine invites, reminds, closes and
posts summaries; these kinds word them and react to closes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.conversations.audiences import Audience
from bot.conversations.kinds import (
    SUBMIT_ACTION,
    Closing,
    FieldSpec,
    Invitation,
    QuietClose,
    ResponseView,
    RoundView,
    Window,
    answer_button,
    reviewed_value,
)
from bot.conversations.rounds import RoundPlan
from bot.conversations.tables import Response, Round
from bot.model import Button, Buttons, Context, Form, Header, Input, OutboundMessage, Text
from bot.privacy.k_anonymity import Rule, Withheld
from bot.retros.blameless import blames, suggest
from bot.retros.outcome import Finisher, group_and_store, retro_of, summary_message
from bot.retros.tables import RetroAction, RetroItem
from bot.retros.templates import QUESTION_IDS, items_of, round_template
from bot.retros.votes import counted_votes
from bot.turn import UsageError

COLLECT = "retro"
VOTE = "retro.vote"
ACTION = "retro.action"
WITHHELD = "retro.withheld"
WITHHELD_WINDOW = timedelta(days=1)
VOTE_ACTION = "retro.vote"
DONE_ACTION = "retro.done"
VOTE_WINDOW = timedelta(minutes=15)
MAX_NUDGES = 3  # blaming items worded back at once; the form holds them all anyway
MAX_VOTE_BUTTONS = 20  # one Slack actions block holds 25 elements; a long list is voted by number


def answered(responses: Sequence[ResponseView]) -> int:
    return sum(1 for response in responses if any(items_of(value) for value in response.answers.values()))


def _heading(t: Translator, round: RoundView) -> str:
    template = round_template(round.context)
    title = round.context.get("title") or template.title(t)
    return t("retros.invitation_title", title=title)


class CollectKind:
    """Members add any number of items per question; the form opens with their items so far (edit or delete)."""

    name = COLLECT
    fields = tuple(FieldSpec(question, "text", optional=True) for question in QUESTION_IDS)
    accepts_late = False
    reply_field: str | None = None

    def __init__(self, finish: Finisher, rule: Rule) -> None:
        self._finish = finish
        self._rule = rule

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        template = round_template(round.context)
        questions = "\n".join(f"• {template.question(t, q)}" for q in template.question_ids)
        anonymity = t("retros.anonymous_note" if round.anonymous else "retros.named_note")
        heading = _heading(t, round)
        # A 500-member channel gets 500 of these: everything but the delivery's own button is built once.
        blocks = (Header(heading), Text(questions), Context(anonymity))
        label, language = t("retros.answer"), t.language

        def message(delivery_id: int) -> OutboundMessage:
            button = Buttons((answer_button(label, delivery_id),))
            return OutboundMessage(text=heading, blocks=(*blocks, button), language=language)

        return message

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        text = t("retros.reminder", title=_heading(t, round))
        return OutboundMessage(
            text=text, blocks=(Text(text), Buttons((answer_button(t("retros.answer"), invitation_id),)))
        )

    def form(
        self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any], *, value: str = ""
    ) -> Form:
        template = round_template(round.context)
        inputs = tuple(
            Input(
                question,
                template.question(t, question),
                "multiline",
                initial=current.get(question),
                placeholder=t("retros.one_per_line"),
                optional=True,
                max_length=3_000,
            )
            for question in template.question_ids
        )
        return Form(SUBMIT_ACTION, t("retros.form_title"), t("retros.save"), inputs, value=value or str(invitation_id))

    def review(
        self, t: Translator, round: RoundView, invitation_id: int, answers: Mapping[str, Any]
    ) -> OutboundMessage | None:
        """The blameless nudge, before anything is saved: items that blame a person come back privately with a
        suggested rewording, in the form as written; saving it from there keeps the member's words."""
        names = tuple(round.context.get("names") or ())
        items = [item for value in answers.values() for item in items_of(value)]
        blaming = [item for item in items if blames(item, names)][:MAX_NUDGES]
        if not blaming:
            return None
        lines = []
        for item in blaming:
            better = suggest(item, names, t("retros.we"))
            hint = t("retros.blameless_hint", item=item[:200])
            lines.append(hint + (" " + t("retros.blameless_suggestion", wording=better[:200]) if better else ""))
        lines.append(t("retros.blameless_keep"))
        form = self.form(t, round, invitation_id, answers, value=reviewed_value(invitation_id))
        return OutboundMessage(text=lines[0], blocks=(*(Text(line) for line in lines), form), private=True)

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        count = sum(len(items_of(value)) for value in answers.values())
        return OutboundMessage.plain(t("retros.saved", count=count), private=True)

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None:
        retro = await retro_of(session, round)
        if retro is None or retro.phase in ("voting", "deleted"):
            return None  # the voting round's summary is the retro's
        if retro.phase == "withheld":
            return None  # nothing in the channel: the starter is told privately why (WithheldKind)
        return await summary_message(session, t, retro)

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None:
        row = await session.get(Round, round.id)
        if row is not None and "names" in (row.context or {}):
            # The names served the blameless nudge while answers could change; they go at close.
            row.context = {key: value for key, value in row.context.items() if key != "names"}
        retro = await retro_of(session, round)
        if retro is None or retro.phase != "collecting":
            return
        retro.answered = answered(responses)
        if retro.anonymous:
            shown = self._rule.single(await _respondents(session, round), retro.answered)
            if isinstance(shown, Withheld):
                retro.phase, retro.closed_at = "withheld", closing.now  # the items stay private
                if retro.starter_member_id is not None:
                    await closing.schedule(withheld_plan(round, retro.starter_member_id, shown.k, closing.now))
                return
        language = str(round.context.get("language", "en"))
        count = await group_and_store(session, retro, responses, language)
        if retro.votes_per_member and count:
            retro.phase = "voting"
            await closing.schedule(
                RoundPlan(
                    kind=VOTE,
                    tenant_id=round.tenant_id,
                    audience=Audience.members_of(retro.conversation_id),
                    due_at=closing.now,
                    window=Window(VOTE_WINDOW),
                    conversation_id=retro.conversation_id,
                    summary=True,
                    anonymous=retro.anonymous,
                    context={
                        **{key: value for key, value in round.context.items() if key != "names"},
                        "items": count,
                        "votes": retro.votes_per_member,
                    },
                )
            )
            return
        await self._finish(session, retro, closing.now, language)


async def _respondents(session: AsyncSession, round: RoundView) -> frozenset[str]:
    """Who gave at least one item, as the round stores them (keyed hashes when anonymous): the people behind
    the summary, for the k-anonymity rule."""
    rows = await session.execute(select(Response.respondent, Response.answers).where(Response.round_id == round.id))
    return frozenset(key for key, answers in rows if any(items_of(value) for value in (answers or {}).values()))


def withheld_plan(round: RoundView, starter_id: int, k: int, now: datetime) -> RoundPlan:
    """The private note to the retro's starter that its summary is withheld: one DM through the engine."""
    return RoundPlan(
        kind=WITHHELD,
        tenant_id=round.tenant_id,
        audience=Audience.member(starter_id),
        due_at=now,
        window=Window(WITHHELD_WINDOW),
        conversation_id=round.conversation_id,
        context={
            "retro": round.context["retro"],
            "template": round.context["template"],
            "questions": round.context.get("questions"),
            "title": round.context.get("title"),
            "k": k,
        },
    )


class WithheldKind(QuietClose):
    """Tells the starter of an anonymous retro, in a DM, that too few answered for its summary to be shown. The
    note gives no count: a figure about fewer than K people is exactly what it withholds."""

    name = WITHHELD
    fields: tuple[FieldSpec, ...] = ()
    accepts_late = False
    reply_field: str | None = None

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        text = t("retros.withheld", title=_heading(t, round), k=int(round.context["k"]))

        def message(delivery_id: int) -> OutboundMessage:
            return OutboundMessage.plain(text)

        return message

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        raise AssertionError("a withheld note is never reminded")  # its window has no reminder

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        raise UsageError("errors.unknown_action")  # a note, nothing to answer

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        raise UsageError("errors.unknown_action")


class VoteKind:
    """The voting round: each member spreads their votes (at most 3 on one item) by buttons or item numbers."""

    name = VOTE
    fields: tuple[FieldSpec, ...] = (FieldSpec("votes", "text", optional=True, max_length=500),)
    accepts_late = False
    reply_field: str | None = "votes"  # numbers typed in the DM are votes

    def __init__(self, finish: Finisher) -> None:
        self._finish = finish

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        rows = (
            await session.scalars(
                select(RetroItem).where(RetroItem.retro_id == round.context["retro"]).order_by(RetroItem.number)
            )
        ).all()
        lines = [f"{item.number}. {item.text.splitlines()[0][:150]}" for item in rows]
        heading = t("retros.vote_title", title=_heading(t, round), votes=round.context["votes"])

        def message(delivery_id: int) -> OutboundMessage:
            buttons = tuple(
                Button(f"+1 · {item.number}", VOTE_ACTION, f"{delivery_id}:{item.number}")
                for item in rows[:MAX_VOTE_BUTTONS]
            )
            blocks = (Header(heading), Text("\n".join(lines)), Context(t("retros.vote_how")))
            groups = tuple(Buttons(buttons[start : start + 5]) for start in range(0, len(buttons), 5))
            return OutboundMessage(text=heading, blocks=blocks + groups)

        return message

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        text = t("retros.vote_reminder")
        return OutboundMessage.plain(text)

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        votes = Input("votes", t("retros.vote_numbers"), "text", initial=current.get("votes"), optional=True)
        return Form(SUBMIT_ACTION, t("retros.vote_form_title"), t("retros.save"), (votes,), value=str(invitation_id))

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        counted = counted_votes(str(answers.get("votes", "")), int(round.context["items"]), int(round.context["votes"]))
        used = sum(counted.values())
        text = t("retros.votes_saved", used=used, left=int(round.context["votes"]) - used)
        return OutboundMessage.plain(text, private=True)

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None:
        retro = await retro_of(session, round)
        if retro is None or retro.phase == "deleted":
            return None
        return await summary_message(session, t, retro)

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None:
        retro = await retro_of(session, round)
        if retro is None or retro.phase != "voting":
            return
        items = {
            item.number: item for item in await session.scalars(select(RetroItem).where(RetroItem.retro_id == retro.id))
        }
        for response in responses:
            counted = counted_votes(str(response.answers.get("votes", "")), len(items), retro.votes_per_member)
            for number, votes in counted.items():
                items[number].votes += votes
        await self._finish(session, retro, closing.now, str(round.context.get("language", "en")))


class ActionKind(QuietClose):
    """An action item's owner is told by DM, nudged before the due date, and marks it done from the DM."""

    name = ACTION
    fields: tuple[FieldSpec, ...] = (FieldSpec("done", "choice", ("yes",)),)
    accepts_late = True
    reply_field: str | None = None

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        action = await session.get(RetroAction, int(round.context["action"]))

        def message(delivery_id: int) -> OutboundMessage | None:
            if action is None or action.done_at is not None:
                return None
            due = t("retros.due", date=action.due_on.isoformat()) if action.due_on else ""
            text = t("retros.action_assigned", text=action.text, due=due)
            done = Button(t("retros.mark_done"), DONE_ACTION, str(action.id), style="primary")
            return OutboundMessage(text=text, blocks=(Text(text), Buttons((done,))))

        return message

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        text = t("retros.action_due_soon", text=str(round.context.get("text", "")))
        done = Button(t("retros.mark_done"), DONE_ACTION, str(round.context["action"]), style="primary")
        return OutboundMessage(text=text, blocks=(Text(text), Buttons((done,))))

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        raise UsageError("errors.unknown_action")  # marked done by its own button, never through a form

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        return OutboundMessage.plain(t("retros.action_done"), private=True)
