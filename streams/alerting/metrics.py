"""The notifier's metrics, created in one place on a registry passed in (a fresh one per test).

Sinks report through these hooks only: a delivery, a failed attempt (its reason),
a notification given up (its reason), the queue depth and the delivery latency,
each labelled by the sink's name, never by its URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# every reason label a failed attempt or a dropped notification can carry
FAILURE_REASONS = ("connect", "timeout", "client_error", "http_3xx", "http_4xx", "http_429",
                   "http_5xx", "error")
DROP_REASONS = ("queue_full", "expired", "rejected", "shutdown")


@dataclass(frozen=True)
class NotifyMetrics:
    """The notifier's metrics (see :func:`create_metrics`)."""

    deliveries: Counter
    failures: Counter
    dropped: Counter
    queue_depth: Gauge
    latency: Histogram
    active: Gauge
    invalid: Counter

    def start_sink(self, sink: str, events: frozenset[str]) -> None:
        """Create a sink's series at zero, so increase()/rate() see its first event of each kind.

        Args:
            sink: the sink's name.
            events: the events it delivers.
        """
        self.queue_depth.labels(sink=sink).set(0)
        for event in events:
            self.deliveries.labels(sink=sink, event=event)
        for reason in FAILURE_REASONS:
            self.failures.labels(sink=sink, reason=reason)
        for reason in DROP_REASONS:
            self.dropped.labels(sink=sink, reason=reason)
        self.latency.labels(sink=sink)


def create_metrics(registry: CollectorRegistry, prefix: str = "firebreak") -> NotifyMetrics:
    """Create the notifier's metrics on ``registry`` (a fresh one per test).

    Args:
        registry: where to register.
        prefix: metric name prefix.
    """
    p = prefix
    return NotifyMetrics(
        deliveries=Counter(f"{p}_alert_deliveries_total", "Alert notifications delivered.",
                           ("sink", "event"), registry=registry),
        failures=Counter(f"{p}_alert_delivery_failures_total",
                         "Failed alert delivery attempts (each retry counts).",
                         ("sink", "reason"), registry=registry),
        dropped=Counter(f"{p}_alert_notifications_dropped_total",
                        "Alert notifications given up: queue full, too old, or rejected.",
                        ("sink", "reason"), registry=registry),
        queue_depth=Gauge(f"{p}_alert_queue_depth", "Notifications waiting per sink.",
                          ("sink",), registry=registry),
        latency=Histogram(f"{p}_alert_delivery_seconds",
                          "From queueing a notification to its successful delivery.",
                          ("sink",), registry=registry,
                          buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)),
        active=Gauge(f"{p}_alerts_active", "Crises this worker is paging for.", registry=registry),
        invalid=Counter(f"{p}_alert_events_invalid_total",
                        "Alert events the notifier could not read.", registry=registry),
    )
