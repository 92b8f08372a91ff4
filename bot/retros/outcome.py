"""What a retro comes to at close: grouped items without authors, the summary, and its learnings in the log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.conversations.kinds import ResponseView, RoundView
from bot.learning.log import LearningLog
from bot.model import Button, Buttons, Context, Divider, Header, OutboundMessage, Text
from bot.retros.grouping import group_items
from bot.retros.tables import Retro, RetroAction, RetroItem
from bot.retros.templates import items_of, template_of

TOP_ITEMS = 3
MAX_LEARNINGS = 10
# The thank-you button under a closed retro's summary (value: the retro's id); the kudos feature handles it.
RETRO_THANKS_ACTION = "kudos.retro"
ITEM_ACTION = "retro.item_action"  # a summary item's button: make it an action item (bot.retros.action_items)
BUTTON_TEXT = 30  # characters of the item on its button (Slack allows 75 in all)


async def retro_of(session: AsyncSession, round: RoundView) -> Retro | None:
    retro_id = round.context.get("retro")
    return await session.get(Retro, int(retro_id)) if isinstance(retro_id, int) else None


async def group_and_store(session: AsyncSession, retro: Retro, responses: Sequence[ResponseView], language: str) -> int:
    """Group every question's items and store the groups (no author); returns how many groups."""
    template = template_of(retro.template, retro.questions)
    rows: list[dict[str, Any]] = []
    for question in template.question_ids:
        items = [item for response in responses for item in items_of(response.answers.get(question))]
        for group in group_items(items, language):
            rows.append(
                {
                    "retro_id": retro.id,
                    "question": question,
                    "number": len(rows) + 1,
                    "text": "\n".join(group.items),
                    "size": len(group.items),
                    "votes": 0,
                }
            )
    if rows:
        await session.execute(insert(RetroItem), rows)
    return len(rows)


class Finisher:
    """Closes a retro for good: the learnings go into the learning log tagged with the retro."""

    def __init__(self, learning_log: LearningLog) -> None:
        self._learning_log = learning_log

    async def __call__(self, session: AsyncSession, retro: Retro, now: datetime, language: str) -> None:
        retro.phase, retro.closed_at = "closed", now
        # The log needs an author: the starter enters a named retro's learnings for the team. An anonymous
        # retro's stay in its summary, since a log entry under anyone's name would look like authorship.
        if retro.starter_member_id is None or retro.anonymous:
            return
        for item in await learnings(session, retro):
            # Entered by the retro's starter on the team's behalf (the log needs a member; never the author).
            await self._learning_log.add(
                session,
                tenant_id=retro.tenant_id,
                member_id=retro.starter_member_id,
                conversation_id=retro.conversation_id,
                text=f"{item.text.splitlines()[0]} #retro-{retro.id}",
                language=language,
                now=now,
            )


async def learnings(session: AsyncSession, retro: Retro) -> list[RetroItem]:
    question = f"q{template_of(retro.template, retro.questions).learnings}"
    rows = await session.scalars(
        select(RetroItem)
        .where(RetroItem.retro_id == retro.id, RetroItem.question == question)
        .order_by(RetroItem.votes.desc(), RetroItem.size.desc(), RetroItem.number)
        .limit(MAX_LEARNINGS)
    )
    return list(rows)


def _item_line(t: Translator, item: RetroItem, voting: bool) -> str:
    first, *more = item.text.splitlines()
    similar = t("retros.similar", count=len(more)) if more else ""
    votes = t("retros.votes_count", count=item.votes) if voting else ""
    return f"• {first}{similar}{votes}"


def _item_buttons(t: Translator, retro: Retro, items: Sequence[RetroItem]) -> Buttons:
    """One button per summary item that turns it into an action item (owner and due date in a small form)."""
    buttons = []
    for item in items:
        first = item.text.splitlines()[0]
        short = first if len(first) <= BUTTON_TEXT else first[: BUTTON_TEXT - 1].rstrip() + "…"
        buttons.append(Button(t("retros.item_action", item=short), ITEM_ACTION, f"{retro.id}:{item.number}"))
    return Buttons(tuple(buttons))


async def summary_message(session: AsyncSession, t: Translator, retro: Retro) -> OutboundMessage:
    template = template_of(retro.template, retro.questions)
    title = retro.title or template.title(t)
    heading = t("retros.summary_title", title=title, answered=retro.answered)
    items = (
        await session.scalars(
            select(RetroItem)
            .where(RetroItem.retro_id == retro.id)
            .order_by(RetroItem.votes.desc(), RetroItem.size.desc(), RetroItem.number)
        )
    ).all()
    blocks: list[Any] = [Header(heading)]
    voting = retro.votes_per_member > 0
    for question in template.question_ids:
        top = [item for item in items if item.question == question][:TOP_ITEMS]
        lines = [_item_line(t, item, voting) for item in top] or [t("retros.no_items")]
        blocks.append(Text(f"*{template.question(t, question)}*\n" + "\n".join(lines)))
        if top:
            blocks.append(_item_buttons(t, retro, top))
    actions = (
        await session.scalars(select(RetroAction).where(RetroAction.retro_id == retro.id).order_by(RetroAction.id))
    ).all()
    if actions:
        blocks.append(Divider())
        blocks.append(Text(t("retros.actions_title") + "\n" + "\n".join(f"• {action.text}" for action in actions)))
    if retro.phase == "closed" and retro.starter_member_id is not None:
        blocks.append(Buttons((Button(t("retros.thanks_button"), RETRO_THANKS_ACTION, str(retro.id)),)))
    footer = "retros.summary_footer_anonymous" if retro.anonymous else "retros.summary_footer"
    blocks.append(Context(t(footer, id=retro.id)))
    return OutboundMessage(text=heading, blocks=tuple(blocks))
