"""The circles' kinds of the conversation engine: the draw (a round nobody is asked in; its close matches the
groups and its summary tells the channel), the announcement to each group (who, and why them), and the
check-in ("did you meet?") whose close is recorded in `circle_meetings`, with exactly one gentle follow-up when
nobody says they met."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.catalog import Translator
from bot.circles.draw import (
    CHECKIN_KIND,
    CHECKIN_WINDOW,
    DRAW_KIND,
    MATCH_KIND,
    checkin_due,
    draw,
    group_members,
)
from bot.circles.tables import Circle, CircleGroup, CircleMeeting
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
    choice_button,
)
from bot.conversations.rounds import RoundPlan
from bot.db.models import Conversation
from bot.db.upsert import insert_ignore
from bot.mentoring.checkin import CHECKIN_TIME, FOLLOW_UP_AFTER
from bot.mentoring.one_question import OneQuestionKind
from bot.mentoring.people import names_of
from bot.model import Buttons, Form, Header, Input, Option, OutboundMessage, Text


def circle_id(round: RoundView) -> int:
    return int(round.context.get("circle_id") or round.settings["circle_id"])


async def channel_name(session: AsyncSession, circle: Circle) -> str:
    conversation = await session.get(Conversation, circle.conversation_id) if circle.conversation_id else None
    return f"#{conversation.name}" if conversation is not None and conversation.name else f"#{circle.id}"


class DrawKind(OneQuestionKind):
    name = DRAW_KIND
    title_key = "circles.title"
    submit_key = "circles.save"
    reminder_key = "circles.reminder"
    saved_key = "circles.saved"

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        return lambda _: None  # nobody is asked: the close draws

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None:
        circle = await session.get(Circle, circle_id(round))
        if circle is not None and circle.state == "active":
            await draw(session, circle, round.id, closing)

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None:
        circle = await session.get(Circle, circle_id(round))
        if circle is None or circle.state != "active":
            return None
        drawn = await session.scalar(select(CircleGroup.id).where(CircleGroup.round_id == round.id).limit(1))
        # No head count: the number of people or groups could be a figure about a few.
        text = t("circles.drawn" if drawn is not None else "circles.drawn_none", id=circle.id)
        return OutboundMessage(text=text, blocks=(Text(text),))


class MatchKind(OneQuestionKind):
    """The announcement to one group: who is in it and why they were matched."""

    name = MATCH_KIND
    title_key = "circles.title"
    submit_key = "circles.save"
    reminder_key = "circles.reminder"
    saved_key = "circles.saved"

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        circle = await session.get(Circle, circle_id(round))
        group = await session.get(CircleGroup, int(round.context["group_id"]))
        if circle is None or group is None or circle.state != "active":
            return lambda _: None
        members = await group_members(session, group.id)
        names = await names_of(session, members)
        title = t("circles.match_title", channel=await channel_name(session, circle))
        lines = [t("circles.match_body", names=", ".join(names.get(m, "–") for m in members))]
        lines += [t(f"circles.reason_{key}", **params) for key, params in group.reasons]
        due = checkin_due(group.drawn_at, circle.every_weeks)
        lines.append(t("circles.match_hint", date=f"{due:%Y-%m-%d}"))
        body = "\n".join(lines)
        return lambda _: OutboundMessage(text=title, blocks=(Header(title), Text(body)))


class CheckInKind:
    """ "Did you meet?" to a group, with the answer in one press or a form with a note."""

    name = CHECKIN_KIND
    fields: tuple[FieldSpec, ...] = (
        FieldSpec("met", "choice", ("yes", "no")),
        FieldSpec("talked", "text", optional=True),
    )
    accepts_late = True
    reply_field: str | None = None

    async def invitation(
        self, session: AsyncSession, t: Translator, round: RoundView, *, in_channel: bool
    ) -> Invitation:
        circle = await session.get(Circle, circle_id(round))
        group_id = int(round.context["group_id"])
        if circle is None or circle.state != "active" or await session.get(CircleGroup, group_id) is None:
            return lambda _: None
        members = await group_members(session, group_id)
        names = await names_of(session, members)
        follow_up = bool(round.context.get("follow_up"))
        title = t(
            "circles.follow_up_title" if follow_up else "circles.checkin_title",
            channel=await channel_name(session, circle),
        )
        body = t(
            "circles.follow_up_body" if follow_up else "circles.checkin_body",
            names=", ".join(names.get(m, "–") for m in members),
        )

        def message(delivery_id: int) -> OutboundMessage:
            buttons = (
                choice_button(t("circles.met_yes"), delivery_id, "met", "yes"),
                choice_button(t("circles.met_no"), delivery_id, "met", "no"),
                answer_button(t("circles.answer"), delivery_id),
            )
            return OutboundMessage(text=title, blocks=(Header(title), Text(body), Buttons(buttons)))

        return message

    def reminder(self, t: Translator, round: RoundView, invitation_id: int) -> OutboundMessage:
        text = t("circles.reminder")
        return OutboundMessage(
            text=text, blocks=(Text(text), Buttons((answer_button(t("circles.answer"), invitation_id),)))
        )

    def form(self, t: Translator, round: RoundView, invitation_id: int, current: Mapping[str, Any]) -> Form:
        met = (Option("yes", t("circles.met_yes")), Option("no", t("circles.met_no")))
        inputs = (
            Input("met", t("circles.q_met"), "select", met, current.get("met")),
            Input("talked", t("circles.q_talked"), "multiline", initial=current.get("talked"), optional=True),
        )
        return Form(SUBMIT_ACTION, t("circles.title"), t("circles.save"), inputs, value=str(invitation_id))

    def saved(self, t: Translator, round: RoundView, answers: Mapping[str, Any], *, late: bool) -> OutboundMessage:
        return OutboundMessage.plain(t("circles.saved"), private=True)

    async def summary(
        self, session: AsyncSession, t: Translator, round: RoundView, responses: Sequence[ResponseView], asked: int
    ) -> OutboundMessage | None:
        return None  # a group's answers stay with the group

    async def closed(
        self, session: AsyncSession, round: RoundView, responses: Sequence[ResponseView], closing: Closing
    ) -> None:
        said = [response.answers.get("met") for response in responses]
        met = True if "yes" in said else (False if said else None)
        follow_up = bool(round.context.get("follow_up"))
        group_id = int(round.context["group_id"])
        record = {
            "circle_id": circle_id(round),
            "group_id": group_id,
            "round_id": round.id,
            "due_at": round.due_at,
            "met": met,
            "follow_up": follow_up,
            "answered": len(said),
        }
        await insert_ignore(session, CircleMeeting, record, ["round_id"])
        circle = await session.get(Circle, circle_id(round))
        if met or follow_up or circle is None or circle.state != "active":
            return  # exactly one follow-up, and none once the circle has stopped
        members = await group_members(session, group_id)
        if len(members) < 2:
            return  # the others left (forgotten): nobody to meet
        await closing.schedule(
            RoundPlan(
                CHECKIN_KIND,
                round.tenant_id,
                Audience.listed(tuple(members)),
                closing.now + FOLLOW_UP_AFTER,
                Window(CHECKIN_WINDOW),
                include_weekends=False,
                purpose="follow_up",
                context={**round.context, "follow_up": True},
                local_time=CHECKIN_TIME,
            )
        )
