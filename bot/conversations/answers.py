"""Answers in chat: the invitation's Answer button opens the kind's form, a choice button answers in one press, and
a thread reply (or free text in a DM while a round is open there) adds a line to the kind's reply field.

Replies extend, the form replaces: the form opens with everything said so far, so what is submitted is the whole
answer. After the window an answer is stored as late when the kind accepts late answers, else refused.
A kind may take a second look at a submitted form before it is stored (ReviewsAnswers): it hands the form back
once, and what the member sends from there is stored as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot.conversations.kinds import (
    ANSWER_ACTION,
    CHOOSE_ACTION,
    REVIEWED,
    SUBMIT_ACTION,
    Kind,
    Kinds,
    ReviewsAnswers,
)
from bot.conversations.responses import current_answers, parse_answers, round_view, save_response
from bot.conversations.tables import Delivery, Round
from bot.db.base import row_id
from bot.model import ConversationKind, InboundAction, InboundMessage, OutboundMessage, Text
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.core import LearnBot


def _ack(turn: Turn, key: str) -> list[OutboundMessage]:
    text = turn.t(key)
    return [OutboundMessage(text=text, blocks=(Text(text),), private=True)]


class Answers:
    def __init__(self, kinds: Kinds) -> None:
        self._kinds = kinds

    def register(self, bot: LearnBot, *, aliases: dict[str, str] | None = None) -> None:
        """Handle the engine's answer actions; `aliases` maps older action ids (on messages already posted) to
        the engine's."""
        handlers = {ANSWER_ACTION: self.open_form, SUBMIT_ACTION: self.submit, CHOOSE_ACTION: self.choose}
        for action_id, handler in handlers.items():
            bot.action(action_id, handler)
        for old, new in (aliases or {}).items():
            bot.action(old, handlers[new])
        bot.intercept(self.intercept, awaits=self.awaits)

    async def _answerable(self, turn: Turn, value: str) -> tuple[Delivery, Round, Kind]:
        number = row_id(value)  # a button's value, which a forged request can set to anything
        delivery = await turn.session.get(Delivery, number) if number is not None else None
        if delivery is None or delivery.tenant_id != turn.tenant.id:
            raise UsageError("errors.unknown_action")
        if delivery.member_id is not None and delivery.member_id != turn.member.id:
            raise UsageError("conversations.not_yours")
        if delivery.parent_id is not None:  # a reminder's button answers the invitation
            parent = await turn.session.get(Delivery, delivery.parent_id)
            delivery = parent or delivery
        round = await turn.session.get_one(Round, delivery.round_id)
        kind = self._kinds.get(round.kind)
        closed = round.state != "open" or round.closes_at <= turn.now
        if closed and (not kind.accepts_late or (round.anonymous and round.secret is None)):
            raise UsageError("conversations.closed")
        return delivery, round, kind

    async def open_form(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        delivery, round, kind = await self._answerable(turn, action.value)
        current = await current_answers(turn.session, round, turn.member.id)
        form = kind.form(turn.t, await round_view(turn.session, round), delivery.id, current)
        return [OutboundMessage(text=form.title, blocks=(form,), private=True)]

    async def submit(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        value, _, mark = action.value.partition(":")
        delivery, round, kind = await self._answerable(turn, value)
        answers = parse_answers(kind.fields, action.form)
        view = await round_view(turn.session, round)
        if mark != REVIEWED and isinstance(kind, ReviewsAnswers):
            second_look = kind.review(turn.t, view, delivery.id, answers)
            if second_look is not None:
                return [second_look]  # not stored yet: the member rewords it or sends it as it is
        response = await save_response(turn.session, round, turn.member.id, answers, turn.now)
        return [kind.saved(turn.t, view, answers, late=response.late)]

    async def choose(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        delivery_id, _, rest = action.value.partition(":")
        field_id, _, choice = rest.partition(":")
        _, round, kind = await self._answerable(turn, delivery_id)
        spec = next((spec for spec in kind.fields if spec.id == field_id and spec.type == "choice"), None)
        if spec is None or choice not in spec.choices:
            raise UsageError("errors.unknown_action")
        response = await save_response(turn.session, round, turn.member.id, {field_id: choice}, turn.now)
        return [kind.saved(turn.t, await round_view(turn.session, round), {field_id: choice}, late=response.late)]

    async def _awaiting(self, turn: Turn, message: InboundMessage) -> Delivery | None:
        """The invitation a thread reply answers, or the open round of a DM."""
        if message.thread_id:
            return await self._by_thread(turn, message.thread_id)
        if turn.where.kind is ConversationKind.DIRECT:
            return await self._latest_open_in_direct(turn)
        return None

    async def awaits(self, turn: Turn, message: InboundMessage) -> bool:
        return await self._awaiting(turn, message) is not None

    async def intercept(self, turn: Turn, message: InboundMessage) -> list[OutboundMessage] | None:
        """Claim thread replies to an invitation or reminder, and free text in a DM while a round is open there.
        The core offers only text that is no command here, or a command the member chose to send as an answer."""
        delivery = await self._awaiting(turn, message)
        if delivery is None:
            return None
        try:
            delivery, round, kind = await self._answerable(turn, str(delivery.id))
        except UsageError as error:
            return _ack(turn, error.key)
        field = kind.reply_field
        spec = next((spec for spec in kind.fields if spec.id == field), None)
        text = message.text.strip()
        if spec is None or not text or len(text) > spec.max_length:
            return None  # let the core explain empty or over-long input
        response = await save_response(
            turn.session, round, turn.member.id, {spec.id: text}, turn.now, append_to=spec.id
        )
        return [kind.saved(turn.t, await round_view(turn.session, round), {spec.id: text}, late=response.late)]

    async def _by_thread(self, turn: Turn, thread_id: str) -> Delivery | None:
        reminded = aliased(Delivery)
        row = (
            await turn.session.execute(
                select(Delivery, reminded)
                .outerjoin(reminded, reminded.id == Delivery.parent_id)
                .where(
                    Delivery.conversation_id == turn.conversation.id,
                    Delivery.sent_message_id == thread_id,
                    Delivery.purpose.in_(("invitation", "reminder", "follow_up")),
                )
            )
        ).first()
        if row is None:
            return None
        delivery, parent = row
        return parent if parent is not None else delivery

    async def _latest_open_in_direct(self, turn: Turn) -> Delivery | None:
        return await turn.session.scalar(
            select(Delivery)
            .join(Round, Round.id == Delivery.round_id)
            .where(
                Delivery.member_id == turn.member.id,
                Delivery.conversation_id == turn.conversation.id,
                Delivery.purpose.in_(("invitation", "follow_up")),
                Delivery.state == "sent",
                Round.kind.in_(self._kinds.replying()),
                Round.state == "open",
                Round.closes_at > turn.now,
            )
            .order_by(Delivery.due_at.desc())
            .limit(1)
        )
