"""Send budgets per workspace or tenant: how many of its deliveries a claim takes, and whether a send may go now.

A platform limits each workspace, says so only with a 429 and its Retry-After, and does not publish the rate
(Slack's per-workspace limits are "tiers"). Found by 429s alone, a limited workspace costs a refused HTTP call and
a row written back for every few posts. The budget learns the rate instead: between two 429s of a workspace, the
sends the platform accepted from this replica over the time between is what it allows this replica (two replicas
sending to one workspace each see about half, so they split it without talking). From then on a claim takes
only what the budget allows now (a token bucket at that rate holding at most one second of sends), so a limited
workspace's rows stay in the table, unclaimed and unrefused, while the others' go out. A rate not confirmed by a 429
within `forget` is dropped: the platform may allow more now, and the next 429s measure again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

# A measured cycle shorter than this (two 429s in a burst) says nothing about the rate.
_SHORTEST_CYCLE = timedelta(milliseconds=200)
# Sends go a little under the measured rate, so the platform's bucket is not emptied to the last token.
_MARGIN = 0.98
# Without a 429 the rate grows by this fraction a second, up to this factor...
_PROBE, _PROBE_CAP = 0.1, 1.5
# ...from this long after the last 429's Retry-After wait ends. The platform's bucket refills during the wait and the
# first claim after it takes a full second's worth: probing at once would empty it and bring the next 429 a second
# later (and with it the next wait).
_SETTLE = timedelta(seconds=2)


@dataclass
class _Scope:
    rate: float | None = None  # sends a second the platform allows this replica; None: not learnt
    tokens: float = 0.0
    filled_at: datetime | None = None
    accepted: int = 0  # since the last 429
    limited_at: datetime | None = None
    resumes_at: datetime | None = None  # when the last 429's Retry-After wait ends


class Budgets:
    def __init__(self, forget: timedelta = timedelta(seconds=60)) -> None:
        self._forget = forget
        self._scopes: dict[str, _Scope] = {}

    def rate(self, key: str) -> float | None:
        scope = self._scopes.get(key)
        return scope.rate if scope is not None else None

    def reserve(self, key: str, most: int, now: datetime) -> int | None:
        """Take up to `most` sends' worth of `key`'s budget for a claim; None: no limit known (take `most`)."""
        scope = self._live(key, now)
        if scope is None or scope.rate is None:
            return None
        self._fill(scope, now)
        taken = min(most, math.floor(scope.tokens))
        scope.tokens -= taken
        return taken

    def wait(self, key: str, now: datetime) -> float:
        """Seconds until `key` has a send's worth of budget again (0: now, or no limit known)."""
        scope = self._live(key, now)
        if scope is None or scope.rate is None:
            return 0.0
        self._fill(scope, now)
        return max((1 - scope.tokens) / scope.rate, 0.0)  # at most: the probe makes it a little sooner

    def accepted(self, key: str) -> None:
        """The platform accepted a send to `key`."""
        scope = self._scopes.get(key)
        if scope is None:
            scope = self._scopes[key] = _Scope()
        scope.accepted += 1

    def limited(self, key: str, now: datetime, until: datetime) -> None:
        """`key` got a 429 at `now`, to wait until `until`: what was accepted since its last 429 measures the rate."""
        scope = self._scopes.get(key)
        if scope is None:
            scope = self._scopes[key] = _Scope()
        last = scope.limited_at
        if last is not None and now - last >= _SHORTEST_CYCLE and now - last <= self._forget and scope.accepted:
            # The cycle includes the Retry-After wait and our own reaction to it, so a short one measures low.
            scope.rate = _MARGIN * scope.accepted / (now - last).total_seconds()
        if last is None or now - last >= _SHORTEST_CYCLE:
            scope.limited_at, scope.accepted = now, 0
        scope.tokens, scope.filled_at = 0.0, now  # the platform's bucket is empty
        scope.resumes_at = max(until, now)

    def _live(self, key: str, now: datetime) -> _Scope | None:
        scope = self._scopes.get(key)
        if scope is not None and scope.limited_at is not None and now - scope.limited_at > self._forget:
            del self._scopes[key]  # not confirmed lately: measure again
            return None
        return scope

    @staticmethod
    def _fill(scope: _Scope, now: datetime) -> None:
        assert scope.rate is not None and scope.resumes_at is not None
        # Probe upwards while no 429 comes (a measured rate is a little low, and limits change): the next 429
        # measures again, over a longer cycle.
        since = max((now - scope.resumes_at - _SETTLE).total_seconds(), 0.0)
        rate = scope.rate * min(1 + _PROBE * since, _PROBE_CAP)
        if scope.filled_at is not None:
            elapsed = max((now - scope.filled_at).total_seconds(), 0.0)
            scope.tokens = min(max(rate, 1.0), scope.tokens + elapsed * rate)
        scope.filled_at = now
