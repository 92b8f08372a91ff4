"""What learnbot counts for operators, in Prometheus' terms: one `Metrics` per app, made by the composition root
and handed to what it instruments, each on its own registry (no process-wide default registry), so two apps in
one process (tests, replicas side by side) never share or clash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

# Sends take milliseconds to a few seconds (rate-limit retries aside).
_SEND_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# From due to sent: seconds for a small team, minutes for a big fan-out under rate limits, hours after an outage.
_LAG_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0)


OUTCOMES = ("sent", "retry", "rate_limited", "failed")


@dataclass(frozen=True)
class DeliverySeries:
    """The series one (kind, platform) of deliveries writes, looked up once rather than per send."""

    send_seconds: Any
    due_to_sent_seconds: Any
    outcomes: dict[str, Any]


class Metrics:
    def __init__(self) -> None:
        self._delivery_series: dict[tuple[str, str], DeliverySeries] = {}
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.inbound_requests = Counter(
            "learnbot_inbound_requests",
            "HTTP requests received, by platform and status",
            ["platform", "status"],
            registry=r,
        )
        self.handler_errors = Counter(
            "learnbot_handler_errors", "Inbound turns that failed with an unexpected error", ["platform"], registry=r
        )
        self.send_seconds = Histogram(
            "learnbot_send_seconds",
            "Time a proactive send took at the platform",
            ["platform"],
            buckets=_SEND_BUCKETS,
            registry=r,
        )
        self.deliveries = Counter(
            "learnbot_deliveries",
            "Delivery attempts by kind, platform and outcome (sent, retry, rate_limited, failed)",
            ["kind", "platform", "outcome"],
            registry=r,
        )
        self.rate_limit_waits = Counter(
            "learnbot_rate_limit_waits",
            "Times a platform answered 429 and sends to it paused",
            ["platform"],
            registry=r,
        )
        self.rate_limit_wait_seconds = Counter(
            "learnbot_rate_limit_wait_seconds",
            "Seconds of Retry-After the platforms asked for",
            ["platform"],
            registry=r,
        )
        self.claim_lease_expiries = Counter(
            "learnbot_claim_lease_expiries",
            "Claimed deliveries handed out again because their claimer never recorded them (crash)",
            registry=r,
        )
        self.due_to_sent_seconds = Histogram(
            "learnbot_due_to_sent_seconds",
            "Lag from a delivery's due time to its send",
            ["kind", "platform"],
            buckets=_LAG_BUCKETS,
            registry=r,
        )

    def delivery(self, kind: str, platform: str) -> DeliverySeries:
        """The delivery series of `kind` on `platform` (prometheus' labels() takes a lock on every call)."""
        series = self._delivery_series.get((kind, platform))
        if series is None:
            series = self._delivery_series[(kind, platform)] = DeliverySeries(
                self.send_seconds.labels(platform),
                self.due_to_sent_seconds.labels(kind, platform),
                {outcome: self.deliveries.labels(kind, platform, outcome) for outcome in OUTCOMES},
            )
        return series

    def exposition(self) -> tuple[bytes, str]:
        """The text format for GET /metrics, with its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
