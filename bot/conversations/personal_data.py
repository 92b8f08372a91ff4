"""The conversation engine's personal-data contract: series a member owns or set up, deliveries to them and
their responses. Forget-me keeps what the team counts (closed rounds' deliveries and responses, anonymous
answers) with every link to the member cut; named answers lose their text. Retention empties raw answers."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import String, cast, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.responses import respondent_key
from bot.conversations.tables import Delivery, Response, Round, Series
from bot.db.models import Member
from bot.directory_personal_data import direct_conversation_ids
from bot.privacy.contract import ErasePolicy, PersonalDataContract, Rows, TableUse
from bot.privacy.rows import rows


def _unlinked_respondent() -> str:
    # Unique per round like any respondent, and derived from nothing.
    return "x" + secrets.token_hex(16)


def _in_audience(series: Series, member: Member) -> bool:
    return member.id in (series.audience_member_ids or [])


async def _series(session: AsyncSession, member: Member) -> list[Series]:
    found = await session.scalars(select(Series).where(Series.tenant_id == member.tenant_id))
    return [
        series
        for series in found
        if member.id in (series.owner_member_id, series.created_by_member_id) or _in_audience(series, member)
    ]


async def export(session: AsyncSession, member: Member) -> dict[str, Rows]:
    series_ids = [series.id for series in await _series(session, member)]
    return {
        "conversation_series": await rows(session, Series.__table__, Series.id.in_(series_ids)),
        "conversation_deliveries": await rows(session, Delivery.__table__, Delivery.member_id == member.id),
        "conversation_responses": await rows(session, Response.__table__, Response.member_id == member.id),
    }


async def _anonymous_answers_in_open_rounds(session: AsyncSession, member: Member) -> list[Response]:
    """Anonymous responses the member could still edit: the open round's secret links them until close."""
    query = (
        select(Response, Round)
        .join(Round, Round.id == Response.round_id)
        .where(Round.tenant_id == member.tenant_id, Round.anonymous.is_(True), Round.secret.is_not(None))
    )
    return [
        response
        for response, round in await session.execute(query)
        if response.respondent == respondent_key(round, member.id)
    ]


async def erase(session: AsyncSession, member: Member, policy: ErasePolicy) -> None:
    direct = await direct_conversation_ids(session, member)
    # Anonymous answers stay and keep counting; re-keyed, the round's secret no longer finds them.
    for response in await _anonymous_answers_in_open_rounds(session, member):
        response.respondent = _unlinked_respondent()
    # Named answers stay as a count, without text and without anyone's name.
    for response in await session.scalars(select(Response).where(Response.member_id == member.id)):
        response.member_id, response.respondent, response.answers = None, _unlinked_respondent(), {}
    # Deliveries stay as counts, unlinked; what was still to be sent never will be. Reminders only follow
    # deliveries that name a member, so none goes out for these.
    await session.execute(
        update(Delivery)
        .where(Delivery.member_id == member.id, Delivery.state.in_(("pending", "sending")))
        .values(state="skipped", reason="forgotten")
    )
    await session.execute(
        update(Delivery)
        .where(Delivery.member_id == member.id)
        .values(
            member_id=None,
            conversation_id=None,
            sent_message_id=None,
            claimed_by=None,
            idempotency_key=literal("forgotten:") + cast(Delivery.id, String),
        )
    )
    if direct:
        # Rounds and deliveries in the member's 1:1 chat outlive it (the chat itself is deleted).
        await session.execute(update(Round).where(Round.conversation_id.in_(direct)).values(conversation_id=None))
        await session.execute(update(Delivery).where(Delivery.conversation_id.in_(direct)).values(conversation_id=None))
    for series in await _series(session, member):
        if series.created_by_member_id == member.id:
            series.created_by_member_id = None
        if _in_audience(series, member):
            series.audience_member_ids = [other for other in series.audience_member_ids if other != member.id]
        if series.owner_member_id == member.id or (
            series.audience in ("member", "pair", "list") and not series.audience_member_ids
        ):
            # A personal series stops for good; its past rounds keep counting.
            series.owner_member_id, series.paused, series.next_due_at = None, True, None
        if series.conversation_id in direct:
            series.conversation_id, series.paused, series.next_due_at = None, True, None


async def unlinked(session: AsyncSession, member: Member) -> list[str]:
    """Anonymous answers in closed rounds exist, but nothing ties them to anyone: said as a count per kind."""
    query = (
        select(Round.kind, Response.id)
        .join(Response, Response.round_id == Round.id)
        .where(Round.tenant_id == member.tenant_id, Round.anonymous.is_(True), Round.secret.is_(None))
    )
    counts: dict[str, int] = {}
    for kind, _ in await session.execute(query):
        counts[kind] = counts.get(kind, 0) + 1
    return [
        f"{count} anonymous answers in closed '{kind}' rounds of your team; some may be yours, none can be tied to you"
        for kind, count in sorted(counts.items())
    ]


async def retain(session: AsyncSession, cutoff: datetime) -> int:
    """Raw answers older than the cutoff are emptied; the response rows stay, so every count built on them stays."""
    old = await session.execute(select(Response.id, Response.answers).where(Response.updated_at < cutoff))
    ids = [response_id for response_id, answers in old if answers]
    for start in range(0, len(ids), 500):
        await session.execute(update(Response).where(Response.id.in_(ids[start : start + 500])).values(answers={}))
    return len(ids)


CONTRACT = PersonalDataContract(
    feature="conversations",
    tables=(
        TableUse(
            "conversation_series", ("owner_member_id", "created_by_member_id", "audience_member_ids"), "anonymise"
        ),
        TableUse("conversation_rounds", (), "keep-unlinked"),
        TableUse("conversation_deliveries", ("member_id",), "anonymise"),
        # An answer's text is the respondent's as a whole (its keys are the kind's field ids).
        TableUse("conversation_responses", ("member_id", "answers"), "anonymise"),
    ),
    export=export,
    erase=erase,
    unlinked=unlinked,
    retain=retain,
)
