"""The one patch Firebreak applies to Faust, at worker start-up.

Faust's worker consumer hard-codes ``fetch_max_wait_ms=1500``. With the Tansu
broker a multi-partition fetch is answered only when that wait expires, so the
wait is the latency of every hop. :func:`tune_fetch_wait` replaces the factory
of the consumer once per process (idempotent: it keeps the original).
"""

from __future__ import annotations

from typing import Any


def tune_fetch_wait(wait_ms: int) -> None:
    """Make Faust's worker consumer use ``fetch_max_wait_ms=wait_ms`` (Faust hard-codes 1500).

    The Tansu broker answers a multi-partition fetch only when the wait expires,
    so the wait is the latency of every hop. Patches the Faust driver class once
    per process.

    Args:
        wait_ms: the fetch wait in milliseconds.
    """
    from faust.transport.drivers import aiokafka as driver

    cls = driver.AIOKafkaConsumerThread
    original = getattr(cls, "_firebreak_original", cls._create_worker_consumer)

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = wait_ms
        return consumer

    setattr(cls, "_firebreak_original", original)  # noqa: B010 (a class attribute Faust does not declare)
    setattr(cls, "_create_worker_consumer", create)  # noqa: B010
