"""Anonymity that holds: after an anonymous retro, no message sent, no database row and no log line connects an
item to its author; and an anonymous retro with fewer than three answers shows no summary and says why."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.tables import Delivery, Response, Round
from bot.db.base import Base
from bot.db.models import Member
from bot.model import ConversationRef, OutboundMessage, SentRef
from bot.retros.tables import Retro, RetroItem
from tests.retros.terminal_script import Session, Step

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ITEMS = {
    "bo": ["Alerts paged the wrong rotation", "Rollback took forty minutes"],
    "cy": ["The runbook was out of date"],
    "di": ["Nobody owned the dashboard"],
    "ed": ["The status page lagged behind"],
    "fi": ["Customers heard about it first on social media"],
}


def _answer(s: Session, who: str, first: str, second: str) -> list[Step]:
    return [s.press("conversation.answer", conversation=f"dm-{who}"), first, ".", second, ".", ".", ".", "."]


def _record_sends(s: Session) -> list[tuple[ConversationRef, OutboundMessage]]:
    sent: list[tuple[ConversationRef, OutboundMessage]] = []
    send, reply = s.adapter.send, s.adapter.reply

    async def recording_send(conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        sent.append((conversation, message))
        return await send(conversation, message)

    def recording_reply(conversation: ConversationRef, message: OutboundMessage, source: SentRef | None) -> SentRef:
        sent.append((conversation, message))
        return reply(conversation, message, source)

    s.adapter.send = recording_send  # type: ignore[method-assign]
    s.adapter.reply = recording_reply  # type: ignore[method-assign]
    return sent


def _text(message: OutboundMessage) -> str:
    return repr(message)


async def test_no_message_row_or_log_line_connects_an_item_to_its_author(
    app: App, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    # Everything ours down to DEBUG; libraries at INFO (aiosqlite's DEBUG echoes SQL parameters by design).
    caplog.set_level(logging.INFO)
    for ours in ("bot", "adapters"):
        caplog.set_level(logging.DEBUG, logger=ours)
    clock.set(START)
    s = Session(app, clock, START)
    sent = _record_sends(s)
    steps: list[Step] = ["hello", *(step for who in ("Bo", "Cy", "Di", "Ed", "Fi") for step in (f":as {who}", "hello"))]
    steps += [":as Anna", "retro start for 1h blameless votes 2", s.at(timedelta(0))]
    steps += [":as Bo", *_answer(s, "bo", "Alerts paged the wrong rotation", "Rollback took forty minutes")]
    steps += [":as Cy", *_answer(s, "cy", "The runbook was out of date", "-")]
    steps += [":as Di", *_answer(s, "di", "Nobody owned the dashboard", "-")]
    steps += [":as Ed", *_answer(s, "ed", "The status page lagged behind", "-")]
    steps += [":as Fi", *_answer(s, "fi", "Customers heard about it first on social media", "-")]
    steps += [s.at(timedelta(minutes=30)), ":as Anna", "retro status", s.at(timedelta(hours=1))]
    steps += [":as Bo", s.press("retro.vote", ":1"), ":as Cy", s.press("retro.vote", ":1")]
    steps += [s.mark("summary"), s.at(timedelta(hours=1, minutes=20))]
    await s.run(steps)

    summary = s.between("summary")
    assert "Alerts paged the wrong rotation — 2 votes" in summary and "The runbook was out of date" in summary
    async with app.sessions() as session:
        members = {m.platform_user_id: m for m in await session.scalars(select(Member))}
        retro = (await session.scalars(select(Retro))).one()
        assert retro.anonymous and retro.phase == "closed"
        assert await session.scalar(select(RetroItem.id).limit(1)) is not None
        rounds = (await session.scalars(select(Round))).all()
        assert all(round.secret is None and round.state == "closed" for round in rounds)
        responses = (await session.scalars(select(Response))).all()
        assert len(responses) == 7 and all(r.member_id is None and not r.respondent.startswith("m") for r in responses)
        reminders = (await session.scalars(select(Delivery).where(Delivery.purpose == "reminder"))).all()
        assert reminders == []  # who was reminded (who had not answered) is gone with the key
        rows: list[tuple[str, dict[str, Any]]] = []
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                rows.append((table.name, dict(row)))

    for author, items in ITEMS.items():
        member = members[author]
        names = {member.platform_user_id, member.display_name or author, f"dm-{author}"}
        mark = re.compile("|".join(rf"\b{re.escape(name)}\b" for name in names))
        for item in items:
            # Messages: what carries an item reaches nobody as that author's (their own DM acknowledgements aside).
            for conversation, message in sent:
                if item in _text(message) and conversation.id != f"dm-{author}":
                    assert not mark.search(_text(message)), (item, message)
            # Rows: a row holding the item holds no member reference, platform id or name of its author.
            holding = [(name, values) for name, values in rows if any(item in str(v) for v in values.values())]
            assert {name for name, _ in holding} >= {"conversation_responses", "retro_items"}  # rows to look at
            for name, values in holding:
                member_columns = [c.name for c in Base.metadata.tables[name].columns if _refers_to_members(c)]
                assert all(values[column] is None for column in member_columns), (name, values)
                assert not mark.search(str(values)) and values.get("respondent") != f"m{member.id}", (name, values)
            # Logs: no item text at all, so no line can tie one to anyone.
            assert not any(item in record.getMessage() for record in caplog.records)


def _refers_to_members(column: Any) -> bool:
    return any(key.column.table.name == "members" for key in column.foreign_keys)


async def test_an_anonymous_retro_with_fewer_than_k_answers_keeps_its_items_private(
    app: App, clock: ManualClock
) -> None:
    clock.set(START)
    s = Session(app, clock, START)
    sent = _record_sends(s)
    people = ("Bo", "Cy", "Di", "Ed", "Fi")
    steps: list[Step] = ["hello", *(step for who in people for step in (f":as {who}", "hello")), ":as Anna"]
    steps += ["retro start for 1h anonymous", s.at(timedelta(0))]
    for who, item in zip(people, ("Quiet week", "Good pairing", "Calm on-call", "Nice demo"), strict=False):
        steps += [f":as {who}", s.press("conversation.answer", conversation=f"dm-{who.lower()}"), item, ".", ".", "."]
    steps += [":as Anna", s.mark("status"), "retro status", s.mark("closed"), s.at(timedelta(hours=1))]
    await s.run(steps)

    assert "Fewer than 5 of 6 have answered so far" in s.between("status", "closed")  # no count of four
    after = sent[[message.text for _, message in sent].index("Retro: Retro") + 1 :]
    notes = [(where.id, message.text) for where, message in after if "has closed" in message.text]
    assert len(notes) == 1 and notes[0][0] == "dm-anna"  # the starter, privately, once
    assert "Fewer than 5 members gave items" in notes[0][1] and "4" not in notes[0][1]
    for where, message in after:
        assert where.kind.value != "channel" or "summary" not in message.text.casefold(), message
        assert not any(item in repr(message) for item in ("Quiet week", "Good pairing", "Calm on-call", "Nice demo"))
    async with app.sessions() as session:
        retro = (await session.scalars(select(Retro))).one()
        assert retro.phase == "withheld" and retro.answered == 4
        assert await session.scalar(select(RetroItem.id).limit(1)) is None


async def test_a_named_retro_made_anonymous_unlinks_the_answers_so_far(app: App, clock: ManualClock) -> None:
    clock.set(START)
    s = Session(app, clock, START)
    steps: list[Step] = ["hello", ":as Bo", "hello", ":as Anna", "retro start for 1h", s.at(timedelta(0))]
    steps += [":as Bo", s.press("conversation.answer", conversation="dm-bo"), "Quiet week", ".", ".", "."]
    steps += [s.mark("bo_tries"), "retro anonymous", ":as Anna", s.mark("anna"), "retro anonymous"]
    steps += [":as Bo", s.mark("edit"), s.press("conversation.answer", conversation="dm-bo"), ".", "Calm", ".", "."]
    steps += [s.mark("end")]
    await s.run(steps)

    assert "Only managers and whoever started" in s.between("bo_tries", "anna")
    assert "anonymous now" in s.between("anna", "edit")
    assert "Saved: 2 items" in s.between("edit", "end")  # Bo still edits his own (kept: Quiet week; added: Calm)
    async with app.sessions() as session:
        [response] = (await session.scalars(select(Response))).all()
        assert response.member_id is None and not response.respondent.startswith("m")
        assert response.answers == {"q1": "Quiet week", "q2": "Calm"}
        assert (await session.scalars(select(Retro))).one().anonymous
