"""The mentor check-in: a kind of the conversation engine asking both people of a pair, on the pair's cadence at
each one's local time on working days, "did you meet? what did you talk about? what did you learn?".

A round that closes without anyone saying they met gets exactly one gentle follow-up; every closed round becomes
a row of `mentor_meetings`, the record `mentor history` and `mentor report` read.
"""

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
    ResponseView,
    RoundView,
    Window,
    answer_button,
)
from bot.conversations.rounds import RoundPlan, SeriesPlan
from bot.conversations.tables import Response, Round
from bot.db.upsert import insert_ignore
from bot.mentoring.people import names_of
from bot.mentoring.tables import MentorMeeting, MentorPair
from bot.model import Button, Buttons, Form, Header, Input, Option, OutboundMessage, Text

KIND = "mentoring.checkin"
TO_LOG_ACTION = "mentoring.to_log"
CHECKIN_TIME = "10:00"
WINDOW = timedelta(days=2)
# Then the recipient's next check-in time: the next working morning where they are.
FOLLOW_UP_AFTER = timedelta(hours=12)
# Rounds of one series this close together are one check-in asked in several time zones.
_SAME_CHECK_IN = timedelta(days=1)
FOLLOW_UP_WINDOW = timedelta(days=2)
# Check-ins are planned for a year from the start; `mentor pair` again continues a pair beyond that.
_PLANNED_DAYS = 366
# Monthly is every four weeks: the check-in keeps its weekday.
CADENCE_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 28}


def offsets(cadence: str) -> tuple[int, ...]:
    step = CADENCE_DAYS[cadence]
    return tuple(range(step, _PLANNED_DAYS, step))


def series_plan(pair: MentorPair, start: datetime, conversation_id: int | None) -> SeriesPlan:
    assert pair.mentor_member_id is not None and pair.mentee_member_id is not None
    return SeriesPlan(
        kind=KIND,
        tenant_id=pair.tenant_id,
        audience=Audience.pair(pair.mentor_member_id, pair.mentee_member_id),
        window=Window(WINDOW),
        anchor_at=start,
        offsets_days=offsets(pair.cadence),
        local_time=CHECKIN_TIME,
        working_days=True,
        conversation_id=conversation_id,
        created_by_member_id=pair.created_by_member_id,
        subject=f"pair:{pair.id}",
        settings={"pair_id": pair.id},
    )


def pair_id(round: RoundView) -> int:
    return int(round.context.get("pair_id") or round.settings["pair_id"])


class CheckInKind:
    name = KIND
    fields: tuple[FieldSpec, ...] = (
        FieldSpec("met", "choice", ("yes", "no")),
        FieldSpec("talked", "text", optional=True),
        FieldSpec("learned", "text", optional=True),
    )
    accepts_late = True
    reply_field: str | None = None

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        pair = await session.get(MentorPair, pair_id(round))
        if pair is None or pair.state != "active":
            return lambda _: None
        names = await _names(session, pair)
        follow_up = bool(round.context.get("follow_up"))
        title = t("mentoring.follow_up_title" if follow_up else "mentoring.checkin_title", id=pair.id)
        body = t("mentoring.follow_up_body" if follow_up else "mentoring.checkin_body", **names)

        def message(delivery_id: int) -> OutboundMessage:
            blocks = (Header(title), Text(body), Buttons((answer_button(t("mentoring.answer"), delivery_id),)))
            return OutboundMessage(text=title, blocks=blocks)

        return message

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        text = t("mentoring.reminder")
        return OutboundMessage(
            text=text, blocks=(Text(text), Buttons((answer_button(t("mentoring.answer"), invitation_id),)))
        )

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        met = (Option("yes", t("mentoring.met_yes")), Option("no", t("mentoring.met_no")))
        inputs = (
            Input("met", t("mentoring.q_met"), "select", met, current.get("met")),
            Input("talked", t("mentoring.q_talked"), "multiline", initial=current.get("talked"), optional=True),
            Input("learned", t("mentoring.q_learned"), "multiline", initial=current.get("learned"), optional=True),
        )
        return Form(SUBMIT_ACTION, t("mentoring.form_title"), t("mentoring.save"), inputs, value=str(invitation_id))

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        text = t("mentoring.saved")
        if not answers.get("learned"):
            return OutboundMessage.plain(text, private=True)
        button = Button(t("mentoring.to_log"), TO_LOG_ACTION, str(round.id))
        return OutboundMessage(text=text, blocks=(Text(text), Buttons((button,))), private=True)

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None:
        return None  # a pair's answers stay with the pair (`mentor history`)

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None:
        # Members in different time zones get the same check-in in rounds of their own: the last of them to
        # close speaks for the pair.
        cycle = await cycle_rounds(session, round.id)
        if any(sibling.state == "open" for sibling in cycle):
            return
        said = [
            answers.get("met")
            for answers in await session.scalars(
                select(Response.answers).where(Response.round_id.in_([sibling.id for sibling in cycle]))
            )
        ]
        met = True if "yes" in said else (False if said else None)
        follow_up = bool(round.context.get("follow_up"))
        record = {
            "pair_id": pair_id(round),
            "round_id": round.id,
            "due_at": min(sibling.due_at for sibling in cycle),
            "met": met,
            "follow_up": follow_up,
            "answered": len(said),
        }
        await insert_ignore(session, MentorMeeting, record, ["round_id"])
        pair = await session.get(MentorPair, pair_id(round))
        if met or follow_up or pair is None or pair.state != "active":
            return  # exactly one follow-up, and none once the pair has ended
        assert pair.mentor_member_id is not None and pair.mentee_member_id is not None
        await closing.schedule(
            RoundPlan(
                kind=KIND,
                tenant_id=round.tenant_id,
                audience=Audience.pair(pair.mentor_member_id, pair.mentee_member_id),
                due_at=closing.now + FOLLOW_UP_AFTER,
                window=Window(FOLLOW_UP_WINDOW),
                conversation_id=round.conversation_id,
                include_weekends=False,
                purpose="follow_up",
                context={"follow_up": True, "pair_id": pair.id},
                local_time=CHECKIN_TIME,
            )
        )


async def cycle_rounds(session: AsyncSession, round_id: int) -> list[Round]:
    """The round and its siblings: the same check-in of the same series, asked in other time zones."""
    round = await session.get(Round, round_id)
    if round is None:
        return []
    if round.series_id is None:
        return [round]
    return list(
        await session.scalars(
            select(Round).where(
                Round.series_id == round.series_id,
                Round.due_at > round.due_at - _SAME_CHECK_IN,
                Round.due_at < round.due_at + _SAME_CHECK_IN,
            )
        )
    )


async def _names(session: AsyncSession, pair: MentorPair) -> dict[str, str]:
    found = await names_of(session, [pair.mentor_member_id, pair.mentee_member_id])
    return {"mentor": found.get(pair.mentor_member_id or 0, "–"), "mentee": found.get(pair.mentee_member_id or 0, "–")}


async def pair_rounds(session: AsyncSession, pair: MentorPair) -> list[MentorMeeting]:
    return list(
        await session.scalars(
            select(MentorMeeting).where(MentorMeeting.pair_id == pair.id).order_by(MentorMeeting.due_at)
        )
    )
