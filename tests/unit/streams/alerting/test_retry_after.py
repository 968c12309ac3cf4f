"""A 429/503 answer's Retry-After sets when a sink retries (a local aiohttp server on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from detectors.crisis.model import Transition
from streams.alerting.metrics import create_metrics
from streams.alerting.notifier import Notifier
from streams.alerting.sinks.base import RETRY_AFTER_MAX, WebhookTarget, retry_after
from streams.wire.alert import AlertEvent

NOW = 1_714_564_800.0  # Wed, 01 May 2024 12:00:00 GMT


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0),
    ("0", 0.0),
    (" 7 ", 7.0),
    ("1.5", 1.5),
    ("Wed, 01 May 2024 12:00:30 GMT", 30.0),
    ("Wednesday, 01-May-24 12:00:30 GMT", 30.0),  # the obsolete RFC 850 form
    ("Wed, 01 May 2024 11:59:00 GMT", 0.0),  # already past: retry now
    ("Wed, 01 May 2024 12:00:30 -0000", 30.0),
    ("86400", RETRY_AFTER_MAX),  # capped
    ("Thu, 02 May 2024 12:00:00 GMT", RETRY_AFTER_MAX),
    ("-5", None),
    ("soon", None),
    ("", None),
    (None, None),
])
def test_retry_after_reads_delta_seconds_and_http_dates(header: str | None, seconds: float | None) -> None:
    """Delta-seconds and HTTP-dates (IMF-fixdate, RFC 850) give the wait, capped; junk gives None."""
    assert retry_after(header, NOW) == seconds


def test_the_cap_is_a_parameter() -> None:
    """A sink may honour less than the default maximum."""
    assert retry_after("600", NOW, cap=5.0) == 5.0


def crisis_event() -> AlertEvent:
    """A crisis for acme."""
    t = Transition("acme", NOW, "crisis", "elevated", True, "negative_surge", "why",
                   {"negative": 9, "scored": 10}, f"acme:{int(NOW)}")
    return AlertEvent.from_transition(t, None, NOW)


@asynccontextmanager
async def receiver(answers: list[tuple[int, dict[str, str]]]) -> AsyncIterator[tuple[int, list[float]]]:
    """An aiohttp server on 127.0.0.1 answering ``answers`` in turn, then 200.

    Yields its port and the list of request arrival times (monotonic seconds).
    """
    arrivals: list[float] = []

    async def hook(request: web.Request) -> web.Response:
        await request.read()
        arrivals.append(time.monotonic())
        status, headers = answers.pop(0) if answers else (200, {})
        return web.Response(status=status, headers=headers, text="slow down" if status >= 300 else "ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1], arrivals
    finally:
        await runner.cleanup()


async def deliver(answers: list[tuple[int, dict[str, str]]], reg: CollectorRegistry,
                  **sink: float) -> list[float]:
    """Page once through a Teams sink with fast backoff; the gaps between attempts."""
    async with receiver(answers) as (port, arrivals):
        target = WebhookTarget(name="teams", url=SecretStr(f"http://127.0.0.1:{port}/hook"),
                               style="teams")
        n = Notifier.from_targets([], [target], create_metrics(reg), backoff=0.01, backoff_max=0.02)
        for q in n.queues:
            q.sink.retry_after_max = sink.get("cap", RETRY_AFTER_MAX)
        await n.handle(crisis_event())
        deadline = time.monotonic() + 10
        while reg.get_sample_value("firebreak_alert_deliveries_total",
                                   {"sink": "teams", "event": "firing"}) != 1:
            assert time.monotonic() < deadline, "never delivered"
            await asyncio.sleep(0.02)
        await n.close()
    return [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]


def failures(reg: CollectorRegistry, reason: str) -> float | None:
    """Failed attempts of the teams sink for ``reason``."""
    return reg.get_sample_value("firebreak_alert_delivery_failures_total",
                                {"sink": "teams", "reason": reason})


class TestRetryAfterDelivery:
    """The queue waits as long as the receiver asked, not its own (10 ms) backoff."""

    def test_429_with_delta_seconds_is_retried_after_that_delay(self) -> None:
        """``429`` + ``Retry-After: 1``: the second attempt comes about one second later."""
        reg = CollectorRegistry()
        gaps = asyncio.run(deliver([(429, {"Retry-After": "1"})], reg))
        assert len(gaps) == 1 and 0.95 <= gaps[0] < 1.6, gaps
        assert failures(reg, "http_429") == 1

    def test_503_with_an_http_date_is_retried_at_that_time(self) -> None:
        """``503`` + ``Retry-After: <HTTP-date two seconds ahead>``: the retry waits for that moment."""
        reg = CollectorRegistry()
        when = datetime.fromtimestamp(int(time.time()) + 2, tz=timezone.utc)
        gaps = asyncio.run(deliver([(503, {"Retry-After": format_datetime(when, usegmt=True)})], reg))
        assert len(gaps) == 1 and 0.9 <= gaps[0] < 2.6, gaps  # the date has whole seconds
        assert failures(reg, "http_5xx") == 1

    def test_a_long_retry_after_is_capped(self) -> None:
        """``Retry-After: 3600`` with a 0.3 s cap: retried after the cap, not in an hour."""
        reg = CollectorRegistry()
        gaps = asyncio.run(deliver([(429, {"Retry-After": "3600"})], reg, cap=0.3))
        assert len(gaps) == 1 and 0.28 <= gaps[0] < 0.9, gaps

    def test_without_the_header_the_backoff_applies(self) -> None:
        """``429`` without ``Retry-After`` twice: retried at the sink's own 10-20 ms backoff."""
        reg = CollectorRegistry()
        gaps = asyncio.run(deliver([(429, {}), (429, {})], reg))
        assert len(gaps) == 2 and max(gaps) < 0.3, gaps
        assert failures(reg, "http_429") == 2
