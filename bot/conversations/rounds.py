"""Rounds: one occurrence of a conversation, opened by the planner for a series or on demand by a feature.

`delivery_rows` is the one place that turns a round's targets into invitation rows with their idempotency keys,
for a series firing in bulk and for a round opened now alike.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.audiences import Audience, Target, resolve
from bot.conversations.kinds import Window
from bot.conversations.locking import insert_ignore_many
from bot.conversations.tables import Delivery, Round
from bot.conversations.timing import next_local
from bot.db.models import Tenant
from bot.people.availability import skip_reason


@dataclass(frozen=True)
class RoundPlan:
    """A round to open without a series: on demand now, or later (a follow-up)."""

    kind: str
    tenant_id: int
    audience: Audience
    due_at: datetime
    window: Window
    conversation_id: int | None = None  # where its summary goes
    summary: bool = False
    anonymous: bool = False
    include_weekends: bool = True
    purpose: str = "invitation"
    context: dict[str, Any] = field(default_factory=dict)
    # "HH:MM": each recipient is asked at this time of their own day, the first at or after `due_at` (on a working
    # day where they are unless `include_weekends`); the round stays open until the last of them has had `window`.
    local_time: str | None = None


@dataclass(frozen=True)
class SeriesPlan:
    """A recurring plan to add for a kind: its timing, audience, window and rules."""

    kind: str
    tenant_id: int
    audience: Audience
    window: Window
    cron: str | None = None
    anchor_at: datetime | None = None
    offsets_days: tuple[int, ...] = ()
    local_time: str | None = None
    working_days: bool = False
    include_weekends: bool = False
    conversation_id: int | None = None
    owner_member_id: int | None = None
    created_by_member_id: int | None = None
    subject: str | None = None
    summary: bool = False
    anonymous: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    numbered: bool = False  # give the series the tenant's next number for its kind (see Series.number)


def series_values(plan: SeriesPlan, now: datetime) -> dict[str, Any]:
    return {
        "kind": plan.kind,
        "tenant_id": plan.tenant_id,
        "conversation_id": plan.conversation_id or plan.audience.conversation_id,
        "owner_member_id": plan.owner_member_id,
        "created_by_member_id": plan.created_by_member_id,
        "subject": plan.subject,
        "audience": plan.audience.kind,
        "audience_member_ids": list(plan.audience.member_ids),
        "cron": plan.cron,
        "anchor_at": plan.anchor_at,
        "offsets_days": list(plan.offsets_days),
        "local_time": plan.local_time,
        "working_days": plan.working_days,
        "include_weekends": plan.include_weekends,
        "window_seconds": int(plan.window.length.total_seconds()),
        "remind_after_seconds": int(plan.window.remind_after.total_seconds()) if plan.window.remind_after else None,
        "remind_fraction": plan.window.remind_fraction,
        "summary": plan.summary,
        "anonymous": plan.anonymous,
        "settings": plan.settings,
        "paused": False,
        "created_at": now,
    }


def round_values(
    *,
    kind: str,
    tenant_id: int,
    series_id: int | None,
    conversation_id: int | None,
    due: datetime,
    window: Window,
    state: str,
    summary: bool,
    anonymous: bool,
    context: dict[str, Any],
) -> dict[str, Any]:
    return {
        "kind": kind,
        "series_id": series_id,
        "tenant_id": tenant_id,
        "conversation_id": conversation_id,
        "due_at": due,
        "closes_at": due + window.length,
        "remind_at": window.remind_at(due) if state == "open" else None,
        "state": state,
        "summary": summary,
        "anonymous": anonymous,
        "secret": secrets.token_hex(16) if anonymous and state == "open" else None,
        "context": context,
        "created_at": due,
    }


def delivery_rows(
    round_id: int,
    tenant_id: int,
    channel_id: int | None,
    due: datetime,
    targets: Iterable[Target],
    *,
    include_weekends: bool,
    purpose: str = "invitation",
) -> Iterator[dict[str, Any]]:
    """One invitation row per target, skipped (with the reason) for those who should not be asked at `due`; made as
    they are taken, so a large round's later rows cost nothing before its first ones are written."""
    for target in targets:
        reason = skip_reason(target.recipient, due, include_weekends=include_weekends)
        if target.member_id is None:
            key = f"round{round_id}:c{channel_id}"
            conversation_id: int | None = channel_id
        else:
            key = f"round{round_id}:m{target.member_id}"
            conversation_id = target.direct_conversation_id
        yield (
            {
                "idempotency_key": key,
                "purpose": purpose,
                "tenant_id": tenant_id,
                "round_id": round_id,
                "member_id": target.member_id,
                "conversation_id": conversation_id,
                "due_at": due,
                "state": "skipped" if reason else "pending",
                "reason": reason,
                "not_before": due,
                "attempts": 0,
                "created_at": due,
            }
        )


async def open_round(session: AsyncSession, plan: RoundPlan, now: datetime | None = None) -> Round:
    """Write the round and its invitations (sent from `plan.due_at`, or each recipient's `plan.local_time`, by the
    dispatcher). A local instant already past is `now` (sent at once, not given up as long overdue). The caller
    commits."""
    tenant = await session.get_one(Tenant, plan.tenant_id)
    targets = await resolve(session, plan.audience, tenant)
    asked_at: dict[datetime, list[Target]] = {}
    for target in targets:
        instant = plan.due_at
        if plan.local_time is not None:
            instant = next_local(target.recipient, plan.due_at, plan.local_time, working_days=not plan.include_weekends)
            if now is not None and instant < now:
                instant = now
        asked_at.setdefault(instant, []).append(target)
    first, last = (min(asked_at), max(asked_at)) if asked_at else (plan.due_at, plan.due_at)
    values = round_values(
        kind=plan.kind,
        tenant_id=plan.tenant_id,
        series_id=None,
        conversation_id=plan.conversation_id or plan.audience.conversation_id,
        due=first,
        window=plan.window,
        state="open",
        summary=plan.summary,
        anonymous=plan.anonymous,
        context=plan.context,
    )
    values["closes_at"] = last + plan.window.length
    values["remind_at"] = plan.window.remind_at(last)
    round = Round(**values)
    session.add(round)
    await session.flush()
    rows = [
        row
        for instant, group in asked_at.items()
        for row in delivery_rows(
            round.id,
            plan.tenant_id,
            plan.audience.conversation_id,
            instant,
            group,
            include_weekends=plan.include_weekends,
            purpose=plan.purpose,
        )
    ]
    await insert_ignore_many(session, Delivery, rows, ["idempotency_key"])
    return round
