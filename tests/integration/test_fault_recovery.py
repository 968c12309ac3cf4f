"""kill -9 of a worker while it is recovering the state of a worker killed before it."""

from __future__ import annotations

import time

import pytest

from streams.client.http import http_json
from tests.integration.faultutil import flood, invented_scored
from tests.integration.kafkautil import (
    background,
    mention,
    producer,
    read_all,
    send_all,
    values,
    wait_for,
)

pytestmark = pytest.mark.integration
BRANDS = [f"brand{i}" for i in range(8)]
PER_BRAND = 30


def test_kill9_during_recovery_loses_nothing(broker, names, workers):
    """The owner is killed; its successor is killed while recovering; the third worker
    still has the crisis, the pause flag, every count exactly once and one page."""
    workers.ensure_topics()
    w1 = workers.start()
    p = producer(broker.bootstrap)
    send_all(p, names.mentions, background("acme", n=20))
    send_all(p, names.mentions, [mention("acme", i, neg=True) for i in range(40)])
    send_all(p, names.mentions, [mention(b, i, neg=False, prefix="r") for b in BRANDS
                                 for i in range(PER_BRAND)])
    flood(broker.bootstrap, names.scored, invented_scored(3000))  # a changelog to recover
    assert wait_for(lambda: (http_json(f"{w1.url}/api/v1/brands/acme/promotion")[1]
                             or {}).get("paused"), 30), "no crisis before the kills"
    assert wait_for(lambda: all((http_json(f"{w1.url}/api/v1/brands/{b}")[1] or {})
                                .get("mentions") == PER_BRAND for b in BRANDS), 30)
    assert wait_for(lambda: (http_json(f"{w1.url}/api/v1/brands/acme")[1] or {})
                    .get("mentions") == 60, 30)
    time.sleep(2)  # a checkpoint after the last mentions
    w1.kill()

    w2 = workers.start(ready=False)
    seen_recovering = wait_for(lambda: (h := w2.health())[0] != 0 and h[1]
                               and not h[1].get("recovered", True), 60, interval=0.05)
    assert seen_recovering, f"never saw the second worker recovering; see {w2.log_file}"
    w2.kill()

    w3 = workers.start()
    st = http_json(f"{w3.url}/api/v1/brands/acme")[1]
    assert st["state"] == "crisis" and st["paused"], st
    got = wait_for(lambda: all((http_json(f"{w3.url}/api/v1/brands/{b}")[1] or {})
                               .get("mentions") == PER_BRAND for b in BRANDS), 30)
    assert got, {b: (http_json(f"{w3.url}/api/v1/brands/{b}")[1] or {}).get("mentions")
                 for b in BRANDS}
    assert wait_for(lambda: (http_json(f"{w3.url}/api/v1/brands/acme")[1] or {})
                    .get("mentions") == 60, 30), http_json(f"{w3.url}/api/v1/brands/acme")[1]
    crisis = [a for a in values(read_all(broker.bootstrap, names.alerts))
              if a["brand"] == "acme" and a["kind"] == "crisis"]
    assert len(crisis) == 1, crisis
