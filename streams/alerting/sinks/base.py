"""Where alerts go: Alertmanager and webhooks, each behind a bounded queue with retries.

A :class:`DeliveryQueue` owns one sink and one background task. ``put()`` never
waits: it stores the delivery under a key (a newer delivery with the same key
replaces the queued one, so a sink that was down catches up with the latest
state, not a backlog of re-sends) and, when full, drops the oldest delivery and
counts it. The task sends in order, retrying with exponential backoff and
jitter; ``4xx`` answers other than 408/429 are not retried.

Secrets (webhook URLs with tokens, basic-auth passwords, bearer tokens) are
:class:`~pydantic.SecretStr`; logs and metrics name the sink, never its URL.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from pydantic import BaseModel, ConfigDict, Field, SecretStr

log = logging.getLogger(__name__)
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


class AlertmanagerTarget(BaseModel):
    """One Alertmanager (list every member of an HA cluster: each gets every alert)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field("alertmanager", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    url: str = Field(description="base URL, e.g. http://alertmanager:9093")
    username: str | None = None
    password: SecretStr | None = None
    bearer_token: SecretStr | None = None
    silence_on_ack: bool = True
    silence_hours: float = Field(12.0, gt=0)


class WebhookTarget(BaseModel):
    """A generic or Slack-compatible incoming webhook."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field("webhook", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    url: SecretStr
    style: Literal["generic", "slack"] = "generic"
    bearer_token: SecretStr | None = None


class DeliveryError(Exception):
    """A failed attempt; ``reason`` is a metric label, ``retry`` whether to try again."""

    def __init__(self, reason: str, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason, self.retry = reason, retry


@dataclass
class Delivery:
    """One HTTP request to make (``path`` is appended to the sink's base URL)."""

    key: str
    event: str
    body: Any
    path: str = ""
    queued_at: float = field(default_factory=time.monotonic)
    attempts: int = 0


class Sink:
    """An HTTP endpoint; subclasses set the URL, headers and which events they take.

    Args:
        name: metric label and log name (never the URL).
        timeout: seconds per request.
    """

    accepts: frozenset[str] = frozenset()

    def __init__(self, name: str, timeout: float = 5.0) -> None:
        self.name = name
        self.timeout = timeout

    def url(self) -> str:
        """The base URL (may contain a secret: never log it)."""
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        """Request headers (authentication)."""
        return {}

    def auth(self) -> aiohttp.BasicAuth | None:
        """Basic authentication, if any."""
        return None

    async def send(self, session: aiohttp.ClientSession, d: Delivery) -> Any:
        """POST one delivery; returns the decoded JSON answer (or ``None``).

        Args:
            session: the HTTP session.
            d: the delivery.

        Raises:
            DeliveryError: with a low-cardinality reason.
        """
        try:
            async with session.post(self.url() + d.path, json=d.body, headers=self.headers(),
                                    auth=self.auth(),
                                    timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
                text = await resp.text()
                if resp.status >= 300:
                    retry = resp.status >= 500 or resp.status in (408, 429)
                    log.warning("sink %s answered %d: %s", self.name, resp.status, text[:200])
                    raise DeliveryError(f"http_{resp.status // 100}xx" if resp.status != 429
                                        else "http_429", retry=retry)
                if resp.content_type == "application/json" and text:
                    return await resp.json()
                return None
        except TimeoutError:
            raise DeliveryError("timeout") from None
        except aiohttp.ClientConnectionError:
            raise DeliveryError("connect") from None
        except aiohttp.ClientError:
            raise DeliveryError("client_error") from None


class AlertmanagerSink(Sink):
    """Alertmanager API v2 (``/api/v2/alerts``, ``/api/v2/silences``).

    Args:
        target: where and how to authenticate.
        timeout: seconds per request.
    """

    accepts = frozenset({"firing", "resend", "update", "resolved", "silence"})

    def __init__(self, target: AlertmanagerTarget, timeout: float = 5.0) -> None:
        super().__init__(target.name, timeout)
        self.target = target

    def url(self) -> str:
        """The base URL without a trailing slash."""
        return self.target.url.rstrip("/")

    def headers(self) -> dict[str, str]:
        """Bearer token header, if configured."""
        tok = self.target.bearer_token
        return {"Authorization": f"Bearer {tok.get_secret_value()}"} if tok else {}

    def auth(self) -> aiohttp.BasicAuth | None:
        """Basic authentication, if configured."""
        if self.target.username is None:
            return None
        pw = self.target.password.get_secret_value() if self.target.password else ""
        return aiohttp.BasicAuth(self.target.username, pw)


class WebhookSink(Sink):
    """A webhook: pages once per crisis, re-states a lasting one and says when it is resolved.

    Args:
        target: the URL (a secret) and payload style.
        timeout: seconds per request.
    """

    accepts = frozenset({"firing", "reminder", "resolved"})

    def __init__(self, target: WebhookTarget, timeout: float = 5.0) -> None:
        super().__init__(target.name, timeout)
        self.target = target

    def url(self) -> str:
        """The webhook URL (secret)."""
        return self.target.url.get_secret_value()

    def headers(self) -> dict[str, str]:
        """Bearer token header, if configured."""
        tok = self.target.bearer_token
        return {"Authorization": f"Bearer {tok.get_secret_value()}"} if tok else {}


class DeliveryQueue:
    """A bounded, coalescing queue and the task that drains it into one sink.

    Args:
        sink: where to deliver.
        metrics: counters and gauges.
        maxsize: deliveries kept; beyond that the oldest is dropped.
        backoff: first retry delay in seconds (doubles each attempt).
        backoff_max: longest retry delay.
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
        self.m.queue_depth.labels(sink=sink.name).set(0)
        # series at zero from the start, so increase()/rate() see the first of each
        for event in sink.accepts:
            self.m.deliveries.labels(sink=sink.name, event=event)
        for reason in FAILURE_REASONS:
            self.m.failures.labels(sink=sink.name, reason=reason)
        for reason in DROP_REASONS:
            self.m.dropped.labels(sink=sink.name, reason=reason)
        self.m.latency.labels(sink=sink.name)

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
            delay = min(self.backoff_max, self.backoff * 2 ** (d.attempts - 1))
            delay *= random.uniform(0.8, 1.2)
            log.warning("sink %s: %s delivery failed (%s, attempt %d); retrying in %.1f s",
                        name, d.event, exc.reason, d.attempts, delay)
            return delay
        except Exception:  # noqa: BLE001 - a bug in one sink must not kill its queue
            self.m.failures.labels(sink=name, reason="error").inc()
            log.exception("sink %s: unexpected error", name)
            return min(self.backoff_max, self.backoff * 2 ** (d.attempts - 1))
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
