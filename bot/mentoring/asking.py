"""`mentor ask @someone`: a one-off round of the conversation engine asking the would-be mentor, with Accept and
Decline buttons; the same kind tells the asker the answer. A question nobody answers expires with its window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.conversations.audiences import Audience
from bot.conversations.kinds import Closing, Invitation, ResponseView, RoundView, Window
from bot.conversations.rounds import RoundPlan
from bot.mentoring.one_question import OneQuestionKind
from bot.mentoring.people import names_of
from bot.mentoring.tables import MentorPair
from bot.model import Button, Buttons, Header, OutboundMessage, Text

KIND = "mentoring.ask"
ACCEPT_ACTION = "mentoring.accept"
DECLINE_ACTION = "mentoring.decline"
ASK_WINDOW = timedelta(days=7)


def ask_plan(pair: MentorPair, now: Any) -> RoundPlan:
    assert pair.mentor_member_id is not None
    return RoundPlan(
        kind=KIND,
        tenant_id=pair.tenant_id,
        audience=Audience.member(pair.mentor_member_id),
        due_at=now,
        window=Window(ASK_WINDOW),
        context={"pair_id": pair.id},
    )


def notice_plan(pair: MentorPair, member_id: int, notice: str, now: Any) -> RoundPlan:
    """Tell `member_id` what became of the pair ("accepted", "declined")."""
    return RoundPlan(
        kind=KIND,
        tenant_id=pair.tenant_id,
        audience=Audience.member(member_id),
        due_at=now,
        window=Window(timedelta(days=1)),
        context={"pair_id": pair.id, "notice": notice},
    )


class AskKind(OneQuestionKind):
    name = KIND
    title_key = "mentoring.form_title"
    submit_key = "mentoring.save"
    reminder_key = "mentoring.ask_reminder"
    saved_key = "mentoring.saved"

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        pair = await session.get(MentorPair, int(round.context["pair_id"]))
        notice = round.context.get("notice")
        if pair is None or (notice is None and pair.state != "proposed"):
            return lambda _: None
        names = await names_of(session, [pair.mentor_member_id, pair.mentee_member_id])
        mentor, mentee = names.get(pair.mentor_member_id or 0, "–"), names.get(pair.mentee_member_id or 0, "–")
        if notice is not None:
            text = t(f"mentoring.ask_{notice}", id=pair.id, mentor=mentor, mentee=mentee)
            return lambda _: OutboundMessage(text=text, blocks=(Text(text),))
        title = t("mentoring.ask_title", mentee=mentee)
        body = t("mentoring.ask_body", mentee=mentee, cadence=t(f"mentoring.cadence_{pair.cadence}"))
        if pair.goal:
            body += "\n" + t("mentoring.goal_line", goal=pair.goal)
        buttons = Buttons(
            (
                Button(t("mentoring.accept"), ACCEPT_ACTION, str(pair.id), style="primary"),
                Button(t("mentoring.decline"), DECLINE_ACTION, str(pair.id)),
            )
        )
        return lambda _: OutboundMessage(text=title, blocks=(Header(title), Text(body), buttons))

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None:
        pair = await session.get(MentorPair, int(round.context["pair_id"]))
        if round.context.get("notice") is None and pair is not None and pair.state == "proposed":
            pair.state = "expired"
            pair.ended_at = closing.now
