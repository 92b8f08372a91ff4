"""Helpers for the conversation engine tests: an adapter that notes the clock at each send, and an engine whose sleeps
move the ManualClock instead of waiting."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adapters.app import App
from bot.clock import ManualClock
from bot.conversations.config import EngineConfig
from bot.conversations.engine import ConversationEngine
from bot.metrics import Metrics
from bot.model import ConversationKind, ConversationRef, OutboundMessage, Profile, SentRef
from tests.support import PLATFORM, TENANT, RecordingAdapter


def dm(name: str) -> ConversationRef:
    return ConversationRef(PLATFORM, TENANT, f"D-U-{name}", ConversationKind.DIRECT, name=name)


@dataclass
class ClockedAdapter(RecordingAdapter):
    """Records (clock time, conversation, message) for every send."""

    clock: ManualClock | None = None
    times: list[datetime] = field(default_factory=list)

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentRef:
        assert self.clock is not None
        self.times.append(self.clock.now())
        return await super().send(conversation, message)


def clock_sleep(clock: ManualClock) -> object:
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    return sleep


def engine_for(
    app: App,
    *,
    name: str | None = None,
    metrics: Metrics | None = None,
    sleep: object | None = None,
    **config: object,
) -> ConversationEngine:
    """A second engine on the app's database and notifier, with the clock-moving sleep (or `sleep`)."""
    assert isinstance(app.clock, ManualClock)
    return ConversationEngine(
        app.sessions,
        app.catalog,
        app.notifier,
        app.bot.directory,
        app.clock,
        EngineConfig(**config),  # type: ignore[arg-type]
        kinds=app.conversations.kinds,
        sleep=sleep or clock_sleep(app.clock),  # type: ignore[arg-type]
        name=name,
        metrics=metrics,
    )


def adapter_for(app: App, zones: dict[str, str] | None = None) -> ClockedAdapter:
    assert isinstance(app.clock, ManualClock)
    adapter = ClockedAdapter(clock=app.clock)
    for name, zone in (zones or {}).items():
        adapter.profiles[f"U-{name}"] = Profile(display_name=name.capitalize(), timezone=zone)
    app.notifier.register(adapter)
    return adapter


async def tick_until(engine: ConversationEngine, clock: ManualClock, end: datetime, step: timedelta) -> None:
    while clock.now() < end:
        clock.advance(step)
        await engine.tick()
