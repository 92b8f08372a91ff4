"""Action items of a retro's channel: added by `retro action …` or from a summary item's button (a small form:
what, who, by when), each followed up by an engine round that DMs its owner and nudges before the due date. A
closed retro's summary shows its actions and is updated in place when one is added."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.commands.arguments import parse_date
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Window
from bot.conversations.rounds import RoundPlan
from bot.conversations.tables import Delivery, Round
from bot.db.base import row_id
from bot.db.models import Conversation, ConversationMember, Member
from bot.directory import conversation_ref, member_language, member_timezone
from bot.model import Form, InboundAction, Input, Option, OutboundMessage, SentRef
from bot.ports import DeliveryError, Notifier
from bot.retros.kinds import ACTION, VOTE
from bot.retros.outcome import summary_message
from bot.retros.tables import Retro, RetroAction, RetroItem
from bot.turn import Turn, UsageError

if TYPE_CHECKING:
    from bot.conversations.engine import ConversationEngine

log = logging.getLogger(__name__)

ACTION_WINDOW = timedelta(days=14)
ITEM_FORM_ACTION = "retro.item_action_form"  # that form's submission
MAX_OWNERS = 100  # a Slack select holds 100 options; a larger channel names its owner with retro action


def action_line(turn: Turn, action: RetroAction, owner: Member | None) -> str:
    due = turn.t("retros.due", date=action.due_on.isoformat()) if action.due_on else ""
    name = owner.display_name if owner and owner.display_name else turn.t("retros.nobody")
    return turn.t("retros.action_line", id=action.id, text=action.text, owner=name, due=due)


async def _in_channel(turn: Turn, retro: Retro) -> bool:
    if turn.conversation.id == retro.conversation_id:
        return True
    member = await turn.session.get(ConversationMember, (retro.conversation_id, turn.member.id))
    return member is not None


class ActionItems:
    def __init__(self, engine: ConversationEngine, notifier: Notifier) -> None:
        self._engine = engine
        self._notifier = notifier

    async def add(
        self, turn: Turn, retro: Retro | None, text: str, owner: Member, due: date | None
    ) -> list[OutboundMessage]:
        """Store the action item, open the round that follows it up, and refresh the retro's summary."""
        if due is not None and due < turn.now.astimezone(member_timezone(turn.member)).date():
            raise UsageError("retros.due_in_past")
        conversation_id = retro.conversation_id if retro else turn.conversation.id
        action = RetroAction(
            tenant_id=turn.tenant.id,
            conversation_id=conversation_id,
            retro_id=retro.id if retro else None,
            text=text[:1000],
            owner_member_id=owner.id,
            created_by_member_id=turn.member.id,
            due_on=due,
            created_at=turn.now,
        )
        turn.session.add(action)
        await turn.session.flush()
        length = ACTION_WINDOW
        if due is not None:
            end = datetime.combine(due, time(17, 0), tzinfo=member_timezone(owner))
            length = max(end.astimezone(UTC) - turn.now, timedelta(hours=1))
        # The nudge comes a day before the due date (half way for anything due sooner).
        remind = length - timedelta(days=1) if length > timedelta(days=2) else length / 2
        round = await self._engine.open_round(
            turn.session,
            RoundPlan(
                kind=ACTION,
                tenant_id=turn.tenant.id,
                audience=Audience.member(owner.id),
                due_at=turn.now,
                window=Window(length, remind_after=remind),
                conversation_id=conversation_id,
                context={"action": action.id, "text": action.text[:200], "language": member_language(owner)},
            ),
        )
        action.round_id = round.id
        turn.after_commit.append(self._engine.changed)
        if retro is not None:
            await self._refresh_summary(turn, retro)
        return [OutboundMessage.plain(action_line(turn, action, owner))]

    async def _item(self, turn: Turn, value: str) -> tuple[Retro, RetroItem]:
        """The closed retro and item a summary button (or its form) names, if the member is in its channel. The
        form may come back from elsewhere (Teams shows it in the member's 1:1 chat)."""
        retro_id, _, number = value.partition(":")
        retro = await turn.session.get(Retro, row_id(retro_id) or 0)
        item = None
        if retro is not None and retro.tenant_id == turn.tenant.id and await _in_channel(turn, retro):
            item = await turn.session.scalar(
                select(RetroItem).where(RetroItem.retro_id == retro.id, RetroItem.number == (row_id(number) or 0))
            )
        if retro is None or item is None or retro.phase != "closed":
            raise UsageError("errors.unknown_action")
        return retro, item

    async def open_form(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        """A summary item's button: the form that makes it an action item, its text filled in, the presser as
        the owner (any member of the channel may be picked), no due date."""
        retro, item = await self._item(turn, action.value)
        t = turn.t
        members = await turn.session.scalars(
            select(Member)
            .join(ConversationMember, ConversationMember.member_id == Member.id)
            .where(ConversationMember.conversation_id == retro.conversation_id)
            .order_by(Member.display_name.is_(None), Member.display_name, Member.id)  # named first
            .limit(MAX_OWNERS)
        )
        owners = [Option(str(member.id), member.display_name or member.platform_user_id) for member in members]
        if str(turn.member.id) not in {option.value for option in owners}:
            owners.insert(0, Option(str(turn.member.id), turn.member.display_name or turn.member.platform_user_id))
        form = Form(
            ITEM_FORM_ACTION,
            t("retros.item_action_title"),
            t("retros.item_action_save"),
            (
                Input("text", t("retros.item_action_text"), "text", initial=item.text.splitlines()[0], max_length=1000),
                Input(
                    "owner", t("retros.item_action_owner"), "select", tuple(owners[:MAX_OWNERS]), str(turn.member.id)
                ),
                Input("due", t("retros.item_action_due"), "text", placeholder="2026-12-15", optional=True),
            ),
            value=f"{retro.id}:{item.number}",
        )
        return [OutboundMessage(text=form.title, blocks=(form,), private=True)]

    async def from_form(self, turn: Turn, action: InboundAction) -> list[OutboundMessage]:
        retro, _ = await self._item(turn, action.value)
        text = action.form.get("text")
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            raise UsageError("retros.action_empty")
        owner_id = row_id(str(action.form.get("owner") or ""))
        owner = await turn.session.get(Member, owner_id) if owner_id else None
        if owner is None or owner.tenant_id != turn.tenant.id:
            raise UsageError("errors.unknown_action")
        due_text = action.form.get("due")
        due_text = due_text.strip() if isinstance(due_text, str) else ""
        due = parse_date(due_text) if due_text else None
        if due_text and due is None:
            raise UsageError("retros.bad_due", value=due_text[:20])
        return await self.add(turn, retro, text, owner, due)

    async def _refresh_summary(self, turn: Turn, retro: Retro) -> None:
        """An action added after the summary was posted: the summary message shows it, updated in place."""
        rounds = [retro.collect_round_id] if retro.collect_round_id else []
        votes = await turn.session.scalars(select(Round).where(Round.kind == VOTE, Round.tenant_id == retro.tenant_id))
        rounds += [vote.id for vote in votes if vote.context.get("retro") == retro.id]
        posted = await turn.session.scalar(
            select(Delivery.sent_message_id).where(
                Delivery.round_id.in_(rounds), Delivery.purpose == "summary", Delivery.sent_message_id.is_not(None)
            )
        )
        conversation = await turn.session.get(Conversation, retro.conversation_id)
        if posted is None or conversation is None or retro.phase != "closed":
            return
        sent = SentRef(conversation_ref(turn.tenant, conversation), posted)
        message = await summary_message(turn.session, turn.t, retro)

        async def update() -> None:
            try:
                await self._notifier.update(sent, message)
            except DeliveryError as error:  # the summary stays as it was; the action itself is saved
                log.warning("could not update retro %s's summary: %s", retro.id, error.reason)

        turn.after_commit.append(update)
