"""The broker goes away, and comes back empty: not ready, one line, no crash loop."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.client.http import http_json
from streams.dev.broker import EmbeddedBroker
from tests.integration.conftest import Workers
from tests.integration.faultutil import metric, wait_metric
from tests.integration.kafkautil import background, mention, producer, send_all, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test alone (it is stopped and restarted empty)."""
    b = EmbeddedBroker(log_file=tmp_path / "tansu.log").start()
    try:
        yield b
    finally:
        b.stop()


def test_broker_loss_and_reset(own_broker, names, brands_file, tmp_path):
    """Broker stopped: /healthz not ready within 30 s. Broker back empty: the worker says
    'broker reset' in one line and exits 3; started again it recovers, stays up and counts
    anew (no crash loop)."""
    ws = Workers(own_broker, names, brands_file, tmp_path)
    try:
        ws.ensure_topics()
        w = ws.start()
        p = producer(own_broker.bootstrap)
        send_all(p, names.mentions, background("acme", n=10))
        send_all(p, names.mentions, [mention("acme", i, neg=True) for i in range(40)])
        assert wait_for(lambda: (http_json(f"{w.url}/api/v1/brands/acme/promotion")[1]
                                 or {}).get("paused"), 30), "no crisis before the fault"
        p.close(timeout=2)

        own_broker.stop()
        t0 = time.monotonic()
        assert wait_for(lambda: w.health()[0] == 503, 30, interval=0.5), (
            f"/healthz still ready 30 s after the broker stopped; see {w.log_file}")
        down_after = time.monotonic() - t0
        status, body = w.health()
        assert body["broker"] == "unreachable" and body["ready"] is False

        time.sleep(5)
        own_broker.log_file = tmp_path / "tansu2.log"
        own_broker.start()  # same port, nothing stored: a broker reset
        proc = w.proc
        assert proc is not None
        try:
            rc = proc.wait(90)
        except Exception:  # noqa: BLE001
            pytest.fail(f"the worker did not stop after the broker reset; see {w.log_file}")
        log = w.log_file.read_text() if w.log_file else ""
        assert rc == 3, f"exit {rc}; see {w.log_file}"
        assert log.count("broker reset:") == 1
        assert "ConsistencyError" not in log

        ws.ensure_topics()
        w2 = ws.start(ready=False)
        assert wait_for(lambda: (w2.health()[1] or {}).get("recovered"), 90), (
            f"a worker on the reset broker never recovered; see {w2.log_file}")
        send_all(producer(own_broker.bootstrap), names.mentions,
                 background("acme", n=5, prefix="after"))
        assert wait_metric(w2.url, lambda u: metric(u, "firebreak_mentions_processed_total",
                                                    brand="acme") == 5, 30), (
            "the new worker did not count from scratch")
        assert w2.alive(), "the restarted worker exited: a crash loop"
        print(f"\nbroker loss: not ready {down_after:.1f} s after the broker stopped; reset -> exit 3")
    finally:
        ws.stop_all()
