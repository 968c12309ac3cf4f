"""A bounded, coalescing queue per sink, and the task that sends from it with retries.

``put()`` never waits: it stores the delivery under a key (a newer delivery with
the same key replaces the queued one, so a sink that was down catches up with the
latest state, not a backlog of re-sends) and, when full, drops the oldest delivery
and counts it. The task sends in order, retrying with exponential backoff and
jitter, or after the ``Retry-After`` a ``429``/``503`` asked for; ``4xx`` answers
other than 408/429 are not retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict

import aiohttp

from streams.alerting.metrics import NotifyMetrics
from streams.alerting.sinks.base import Delivery, DeliveryError, Sink

log = logging.getLogger(__name__)


class DeliveryQueue:
    """A bounded, coalescing queue and the task that drains it into one sink.

    Args:
        sink: where to deliver.
        metrics: counters and gauges.
        maxsize: deliveries kept; beyond that the oldest is dropped.
        backoff: first retry delay in seconds (doubles each attempt).
        backoff_max: longest retry delay (a ``Retry-After`` is capped by the sink instead).
        max_age: seconds after which an undelivered notification is given up.
    """

    def __init__(self, sink: Sink, metrics: NotifyMetrics, maxsize: int = 1000,
                 backoff: float = 0.5, backoff_max: float = 30.0, max_age: float = 3600.0) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.sink, self.m = sink, metrics
        self.maxsize, self.backoff, self.backoff_max, self.max_age = (
            maxsize, backoff, backoff_max, max_age)
        self.pending: OrderedDict[str, Delivery] = OrderedDict()
        self._wake = asyncio.Event()
        self._closing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.m.start_sink(sink.name, sink.accepts)

    def put(self, d: Delivery) -> None:
        """Queue ``d`` (replacing a queued delivery with the same key); never waits.

        Args:
            d: the delivery.
        """
        if d.event not in self.sink.accepts:
            return
        old = self.pending.pop(d.key, None)
        if old is not None:  # coalesce: the newest body, the first event's name and age
            d.queued_at = old.queued_at
            if old.event == "firing" and d.event in ("update", "resend"):
                d.event = "firing"
        elif len(self.pending) >= self.maxsize:
            _, oldest = self.pending.popitem(last=False)
            self.m.dropped.labels(sink=self.sink.name, reason="queue_full").inc()
            log.warning("sink %s: queue full, dropped the oldest notification (%s)",
                        self.sink.name, oldest.event)
        self.pending[d.key] = d
        self._depth()
        self._wake.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def _depth(self) -> None:
        self.m.queue_depth.labels(sink=self.sink.name).set(len(self.pending))

    async def _run(self) -> None:
        self._session = aiohttp.ClientSession()
        try:
            while True:
                if not self.pending:
                    if self._closing.is_set():
                        return
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                key, d = next(iter(self.pending.items()))
                delay = await self._attempt(d)
                if delay is None:
                    if self.pending.get(key) is d:
                        del self.pending[key]
                    self._depth()
                elif self._closing.is_set():
                    await asyncio.sleep(delay)  # close() cancels us at its deadline
                else:
                    try:  # wait for the backoff, or for close()
                        await asyncio.wait_for(self._closing.wait(), delay)
                    except TimeoutError:
                        pass
        finally:
            await self._session.close()

    def _backoff(self, attempts: int) -> float:
        return min(self.backoff_max, self.backoff * 2 ** (attempts - 1))

    async def _attempt(self, d: Delivery) -> float | None:
        """Try ``d`` once; ``None`` when done with it, else the seconds to wait before retrying."""
        name = self.sink.name
        if time.monotonic() - d.queued_at > self.max_age:
            self.m.dropped.labels(sink=name, reason="expired").inc()
            log.error("sink %s: gave up on a %s notification after %.0f s", name, d.event,
                      self.max_age)
            return None
        d.attempts += 1
        try:
            assert self._session is not None
            await self.sink.send(self._session, d)
        except DeliveryError as exc:
            self.m.failures.labels(sink=name, reason=exc.reason).inc()
            if not exc.retry:
                self.m.dropped.labels(sink=name, reason="rejected").inc()
                log.error("sink %s rejected a %s notification (%s)", name, d.event, exc.reason)
                return None
            if exc.retry_after is not None:  # the receiver said when: no jitter, no doubling
                delay, why = exc.retry_after, "as Retry-After asked"
            else:
                delay, why = self._backoff(d.attempts) * random.uniform(0.8, 1.2), "backoff"
            log.warning("sink %s: %s delivery failed (%s, attempt %d); retrying in %.1f s (%s)",
                        name, d.event, exc.reason, d.attempts, delay, why)
            return delay
        except Exception:  # noqa: BLE001 - a bug in one sink must not kill its queue
            self.m.failures.labels(sink=name, reason="error").inc()
            log.exception("sink %s: unexpected error", name)
            return self._backoff(d.attempts)
        self.m.deliveries.labels(sink=name, event=d.event).inc()
        self.m.latency.labels(sink=name).observe(time.monotonic() - d.queued_at)
        log.info("sink %s: delivered %s %s (attempt %d)", name, d.event, d.key, d.attempts)
        return None

    async def close(self, timeout: float = 2.0) -> None:
        """Deliver what is queued within ``timeout`` seconds, then stop.

        Args:
            timeout: seconds to keep trying.
        """
        self._closing.set()
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            if self.pending:
                self.m.dropped.labels(sink=self.sink.name, reason="shutdown").inc(
                    len(self.pending))
                log.warning("sink %s: %d notifications undelivered at shutdown", self.sink.name,
                            len(self.pending))
        self._task = None
