"""The three Kubernetes probes of a live worker: ``/healthz?probe=live|startup`` and ``/healthz``."""

from __future__ import annotations

import pytest

from streams.client.http import http_json
from tests.integration.kafkautil import wait_for

pytestmark = pytest.mark.integration


def test_live_answers_at_once_startup_and_ready_after_recovery(workers) -> None:
    """live is 200 whenever the worker answers; startup and ready once it has recovered; others 400."""
    workers.ensure_topics()
    w = workers.start(ready=False)
    assert wait_for(lambda: http_json(f"{w.url}/healthz?probe=live")[0] == 200, 90), (
        f"the live probe never answered; see {w.log_file}")
    status, body = http_json(f"{w.url}/healthz?probe=live")
    assert body["alive"] is True and "lag" not in body  # liveness asks nothing of Kafka
    assert wait_for(lambda: http_json(f"{w.url}/healthz?probe=startup")[0] == 200, 90)
    status, body = http_json(f"{w.url}/healthz?probe=startup")
    assert body["recovered"] and body["view_caught_up"] and body["probe"] == "startup"
    assert wait_for(lambda: http_json(f"{w.url}/healthz")[0] == 200, 60)
    assert http_json(f"{w.url}/healthz")[1]["ready"] is True
    status, body = http_json(f"{w.url}/healthz?probe=bogus")
    assert status == 400 and "live" in body["error"]
