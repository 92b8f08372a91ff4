"""Tunables of the conversation engine, read from Settings by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class EngineConfig:
    # A round missed while the bot was down is still sent within this much of its due time, else recorded as missed.
    grace: timedelta = timedelta(hours=2)
    # How long members can answer (and edit answers) after a round opens, unless its series says otherwise.
    window: timedelta = timedelta(hours=20)
    # A claim older than this is assumed to belong to a crashed dispatcher and is handed out again.
    lease: timedelta = timedelta(minutes=5)
    # A delivery not sent this long after its due time is given up (failed, with the last reason).
    give_up_after: timedelta = timedelta(hours=12)
    batch_size: int = 500
    # Series fired per planning transaction: small enough that thousands due at once start sending early.
    plan_batch: int = 250
    # Invitations per planning transaction (shared equally by the series planned together), so sending starts sooner.
    plan_chunk: int = 1_000
    concurrency: int = 10
    # Slack allows about one message per second per channel.
    pace_seconds: float = 1.0
    # A 429's pause is shared through the database; each replica reloads the pauses in force this often.
    pause_refresh_seconds: float = 1.0
    max_attempts: int = 5
    backoff_seconds: float = 5.0
    tick_seconds: float = 10.0
    # Housekeeping (forgetting old platform event ids, …) runs this often.
    housekeeping_seconds: float = 3600.0
