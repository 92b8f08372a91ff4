"""Claims are fair between workspaces: a rate-limited workspace planned first does not hold up the others, its
rate is learnt from its 429s so its rows wait in the table instead of being refused, and nothing is lost or
doubled."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.budgets import Budgets
from bot.conversations.tables import Delivery
from bot.model import ConversationKind, ConversationRef, InboundMessage, OutboundMessage, SentRef, UserRef
from bot.ports import RateLimited
from tests.engine_support import ClockedAdapter, engine_for
from tests.support import PLATFORM

MONDAY_0600 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
MONDAY_0900_CPH = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
LIMITED, FREE = "T-limited", "T-free"


@dataclass
class LimitedWorkspace(ClockedAdapter):
    """Workspace LIMITED takes `rate` posts a second of the clock (a token bucket with one second of burst) and
    answers a 429 with an integer Retry-After beyond that; workspace FREE takes everything. Each send takes 10 ms."""

    rate: float = 5.0
    tokens: float = 5.0
    filled_at: datetime | None = None
    refused: int = 0
    order: list[str] = field(default_factory=list)  # the tenant of each accepted send, in order

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        assert self.clock is not None
        self.clock.advance(timedelta(milliseconds=10))
        now = self.clock.now()
        if conversation.tenant == LIMITED:
            if self.filled_at is not None:
                elapsed = (now - self.filled_at).total_seconds()
                self.tokens = min(self.rate, self.tokens + elapsed * self.rate)
            self.filled_at = now
            if self.tokens < 1:
                self.refused += 1
                raise RateLimited(float(int((1 - self.tokens) / self.rate) + 1))
            self.tokens -= 1
        self.order.append(conversation.tenant)
        return await super().send(conversation, message)


def _room(tenant: str) -> ConversationRef:
    return ConversationRef(PLATFORM, tenant, f"C-{tenant}", ConversationKind.CHANNEL, name="team")


async def _workspace(app: App, tenant: str, size: int) -> None:
    members = [UserRef(PLATFORM, tenant, f"U-{tenant}-{n:03d}", f"M{n}") for n in range(size)]
    await app.membership.record_members(_room(tenant), members)
    await app.bot.handle_message(InboundMessage(members[0], _room(tenant), "nudge add weekdays 09:00 dm"))


async def _states(app: App) -> Counter[str]:
    async with app.sessions() as session:
        rows = (await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all()
    return Counter({state: count for state, count in rows})


async def test_a_rate_limited_workspace_planned_first_does_not_hold_up_another(app: App, clock: ManualClock) -> None:
    adapter = LimitedWorkspace(clock=clock)
    app.notifier.register(adapter)
    clock.set(MONDAY_0600)
    await _workspace(app, LIMITED, 120)  # planned first: its deliveries come first in (not_before, id) order
    await _workspace(app, FREE, 40)
    clock.set(MONDAY_0900_CPH)

    engine = engine_for(app, name="fair", batch_size=40, concurrency=4)
    sent = 0
    for _ in range(10):  # what the time-keeper does: tick, then wake at the next due instant (a pause's end)
        sent += (await engine.tick()).delivery.sent
        if sent >= 160:
            break
        due = await engine.next_due()
        assert due is not None and due < MONDAY_0900_CPH + timedelta(minutes=2)
        clock.set(max(due, clock.now()))

    # Every member of both workspaces got their prompt exactly once.
    assert sent == 160 and (await _states(app)) == Counter({"sent": 160})
    per_conversation = Counter(conversation.id for conversation, _ in adapter.sent)
    assert len(per_conversation) == 160 and set(per_conversation.values()) == {1}
    # The free workspace was not queued behind the limited one: its 40 went out within the first 60 sends,
    # while the limited workspace could take only 5 a second.
    assert adapter.order[:60].count(FREE) == 40
    free_times = [
        t for (conversation, _), t in zip(adapter.sent, adapter.times, strict=True) if conversation.tenant == FREE
    ]
    assert max(free_times) < MONDAY_0900_CPH + timedelta(seconds=5)
    # The limited workspace's rate was learnt from its first 429s: after that its rows waited in the table instead
    # of being refused one by one (without the budget: a refusal for about every five posts, over 20 here). The
    # budget keeps measuring: its probe raises the rate until a 429, once every 6 s or so (2 at the start, then 2
    # more in this run). When it probed right after each Retry-After wait, every such 429 brought a second one
    # about 1.4 s later: 9 to 11 in all.
    assert adapter.refused <= 6, adapter.refused
    rate = engine.dispatcher.budgets.rate(f"{PLATFORM}|{LIMITED}")
    assert rate is not None and 3.5 <= rate <= 5.5, rate
    assert engine.dispatcher.budgets.rate(f"{PLATFORM}|{FREE}") is None
    # ...and it went at about its rate: 120 posts at 5 a second take about 24 s, not much more.
    assert clock.now() - MONDAY_0900_CPH < timedelta(seconds=24 * 1.25)


def test_a_budget_is_learnt_between_two_429s_and_forgotten_when_not_confirmed() -> None:
    budgets = Budgets(forget=timedelta(seconds=60))
    start = MONDAY_0900_CPH
    key = "slack|T1"
    assert budgets.reserve(key, 50, start) is None  # nothing known: the claim takes its fair share
    for _ in range(20):  # a burst, then the first 429: no cycle to measure yet
        budgets.accepted(key)
    budgets.limited(key, start, start + timedelta(seconds=1))
    assert budgets.rate(key) is None
    for _ in range(10):  # ten accepted in the two seconds until the next 429: 5 a second
        budgets.accepted(key)
    budgets.limited(key, start + timedelta(seconds=2), start + timedelta(seconds=3))  # Retry-After: 1 s
    rate = budgets.rate(key)
    assert rate is not None and 4.8 <= rate <= 5.0
    # Just limited: nothing to take; when the wait ends, one second's worth at the measured rate (4.9), no more:
    # the platform's bucket has refilled by as much during the wait.
    assert budgets.reserve(key, 50, start + timedelta(seconds=2)) == 0
    assert 0 < budgets.wait(key, start + timedelta(seconds=2)) <= 0.21
    assert budgets.reserve(key, 50, start + timedelta(seconds=3)) == 4
    # From 2 s after the wait it probes upwards, 10 % a second, up to 1.5 times the measured rate (7.35 here).
    assert budgets.reserve(key, 50, start + timedelta(seconds=10)) == 7
    assert budgets.reserve(key, 2, start + timedelta(seconds=12)) == 2
    # A long Retry-After: no probing when that wait ends either, so the first claim after it does not bring the
    # next 429 (and the next long wait) at once.
    for _ in range(90):
        budgets.accepted(key)
    budgets.limited(key, start + timedelta(seconds=20), start + timedelta(seconds=50))
    rate = budgets.rate(key)
    assert rate is not None and 4.6 <= rate <= 5.0, rate  # 90 accepted in the 18 s since the last 429, x 0.98
    assert budgets.reserve(key, 50, start + timedelta(seconds=51)) == 4
    # No 429 for longer than `forget`: the rate is measured again.
    assert budgets.reserve(key, 50, start + timedelta(seconds=81)) is None
    assert budgets.rate(key) is None


async def test_a_claim_over_more_workspaces_than_one_statement_can_name_takes_them_all_in_turn(
    app: App, clock: ManualClock
) -> None:
    """520 workspaces with one prompt due each: more than SQLite's 500 terms of a compound SELECT. Each claim names
    at most a few hundred workspaces, so it neither fails nor leaves any workspace out for long."""
    adapter = LimitedWorkspace(clock=clock)
    app.notifier.register(adapter)
    clock.set(MONDAY_0600)
    tenants = [f"T{n:03d}" for n in range(520)]
    for tenant in tenants:
        await _workspace(app, tenant, 1)
    clock.set(MONDAY_0900_CPH)

    engine = engine_for(app, name="many", batch_size=600, concurrency=4)
    sent = (await engine.tick()).delivery.sent
    assert sent == 520 and (await _states(app)) == Counter({"sent": 520})
    assert sorted(conversation.tenant for conversation, _ in adapter.sent) == tenants
