"""Responses: structured answers to a round, editable inside its window, marked late after it if the kind allows.

In an anonymous round the stored row carries no member id, only a keyed hash of it; the key (the round's secret)
is dropped at close, after which nothing in the database links an answer to its author.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.kinds import FieldSpec, ResponseView, RoundView
from bot.conversations.tables import Response, Round, Series
from bot.db.models import Member
from bot.model import FormValue
from bot.turn import UsageError


def respondent_key(round: Round, member_id: int) -> str:
    """How `member_id` is stored as the respondent of `round`: plainly, or as a keyed hash when anonymous."""
    if not round.anonymous:
        return f"m{member_id}"
    if round.secret is None:
        raise UsageError("conversations.closed")  # the key is gone: nobody can edit anonymous answers now
    return hmac.new(round.secret.encode(), str(member_id).encode(), hashlib.sha256).hexdigest()[:48]


async def round_view(session: AsyncSession, round: Round) -> RoundView:
    settings: Mapping[str, Any] = {}
    if round.series_id is not None:
        settings = (await session.scalar(select(Series.settings).where(Series.id == round.series_id))) or {}
    return view_of(round, settings)


def view_of(round: Round, settings: Mapping[str, Any] | None) -> RoundView:
    """What a kind sees of `round`, with its series' settings."""
    return RoundView(
        id=round.id,
        kind=round.kind,
        tenant_id=round.tenant_id,
        series_id=round.series_id,
        conversation_id=round.conversation_id,
        due_at=round.due_at,
        closes_at=round.closes_at,
        anonymous=round.anonymous,
        context=dict(round.context or {}),
        settings=dict(settings or {}),
    )


async def load_responses(session: AsyncSession, round: Round) -> list[ResponseView]:
    rows = await session.execute(
        select(Response.member_id, Member.display_name, Response.answers, Response.late)
        .outerjoin(Member, Member.id == Response.member_id)
        .where(Response.round_id == round.id)
        .order_by(Response.created_at, Response.id)
    )
    return [ResponseView(member_id, name, dict(answers or {}), late) for member_id, name, answers, late in rows]


async def current_answers(session: AsyncSession, round: Round, member_id: int) -> dict[str, Any]:
    if round.anonymous and round.secret is None:
        return {}
    key = respondent_key(round, member_id)
    answers = await session.scalar(
        select(Response.answers).where(Response.round_id == round.id, Response.respondent == key)
    )
    return dict(answers or {})


def parse_answers(fields: tuple[FieldSpec, ...], form: Mapping[str, FormValue]) -> dict[str, Any]:
    """The form's values checked against the kind's fields; UsageError names what is wrong."""
    answers: dict[str, Any] = {}
    for spec in fields:
        raw = form.get(spec.id)
        value = raw.strip() if isinstance(raw, str) else ""
        if not value:
            if not spec.optional:
                raise UsageError("conversations.empty_answer")
            continue
        if spec.type == "text":
            if len(value) > spec.max_length:
                raise UsageError("conversations.answer_too_long", length=len(value), limit=spec.max_length)
            answers[spec.id] = value
        elif spec.type == "choice":
            if value not in spec.choices:
                raise UsageError("errors.unknown_action")
            answers[spec.id] = value
        else:
            try:
                answers[spec.id] = float(value.replace(",", ".")) if "." in value or "," in value else int(value)
            except ValueError:
                raise UsageError("conversations.not_a_number", value=value[:20]) from None
    return answers


async def save_response(
    session: AsyncSession,
    round: Round,
    member_id: int,
    answers: Mapping[str, Any],
    now: datetime,
    *,
    append_to: str | None = None,
) -> Response:
    """Store `answers` as the member's response, replacing the fields given. `append_to`: add the text as a new
    line of that field instead (a reply in a thread or DM). After the window the response is marked late."""
    key = respondent_key(round, member_id)
    response = await session.scalar(select(Response).where(Response.round_id == round.id, Response.respondent == key))
    late = round.state != "open" or round.closes_at <= now
    if response is None:
        response = Response(
            round_id=round.id,
            respondent=key,
            member_id=None if round.anonymous else member_id,
            answers=dict(answers),
            late=late,
            created_at=now,
            updated_at=now,
        )
        session.add(response)
    else:
        merged = dict(response.answers or {})
        for field_id, value in answers.items():
            earlier = merged.get(field_id)
            if field_id == append_to and isinstance(earlier, str) and earlier:
                merged[field_id] = f"{earlier}\n{value}"
            else:
                merged[field_id] = value
        response.answers = merged
        response.late = response.late or late
        response.updated_at = now
    await session.flush()
    return response
