"""Two workers share the partitions; ``kill -9`` of one mid-stream loses nothing."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from streams.client.http import http_json
from streams.wire.topics import partition_of
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
BRANDS = ["acme"] + [f"brand{i}" for i in range(11)]
PER_BRAND = 400


def _owned(w) -> list[int]:
    status, body = w.health()
    return body.get("owned_partitions", []) if status == 200 and body else []


def test_kill9_takeover_recovers_state_without_loss_or_second_alert(broker, names, workers):
    """After kill -9 of acme's owner the survivor recovers from the changelog, counts every
    mention exactly once, keeps the crisis and the pause flag, and does not re-alert."""
    workers.ensure_topics()
    w1 = workers.start()
    w2 = workers.start()
    assert wait_for(lambda: len(_owned(w1)) == 2 and len(_owned(w2)) == 2, 60), \
        "partitions not shared between the two workers"
    p = producer(broker.bootstrap)
    expected: Counter[str] = Counter()
    warm = background("acme", n=20, prefix="w")
    send_all(p, names.mentions, warm)
    expected["acme"] += len(warm)
    crisis = [mention("acme", i, neg=True, prefix="c") for i in range(40)]
    send_all(p, names.mentions, crisis)
    expected["acme"] += len(crisis)
    victim = w1 if partition_of("acme", workers.partitions) in _owned(w1) else w2
    survivor = w2 if victim is w1 else w1
    assert wait_for(lambda: (http_json(f"{survivor.url}/api/v1/brands/acme/promotion")[1]
                             or {}).get("paused"), 30), "no crisis before the kill"

    def stream() -> None:
        for i in range(PER_BRAND):
            batch = [mention(b, i, neg=False, prefix="s") for b in BRANDS]
            send_all(p, names.mentions, batch)
            time.sleep(0.02)

    for b in BRANDS:
        expected[b] += PER_BRAND
    t = threading.Thread(target=stream)
    t.start()
    time.sleep(3.0)
    victim.kill()  # mid-stream
    t.join()
    total = sum(expected.values())

    def counts() -> dict[str, int]:
        status, body = http_json(f"{survivor.url}/api/v1/brands")
        if status != 200:
            return {}
        return {b: (http_json(f"{survivor.url}/api/v1/brands/{b}")[1] or {}).get("mentions", 0)
                for b in BRANDS}

    got = wait_for(lambda: (c := counts()) and sum(c.values()) >= total and c, 90, interval=1)
    time.sleep(3)  # anything counted twice would show up now
    got = counts()
    metrics = http_json(f"{survivor.url}/metrics")[1] or ""
    diag = [line for line in metrics.splitlines() if line.startswith((
        "firebreak_replayed", "firebreak_duplicate", "firebreak_late", "firebreak_dlq",
        "firebreak_scored_rewinds", "firebreak_detect_batch_messages_count"))] + [str(survivor.health())]
    assert sorted(_owned(survivor)) == list(range(workers.partitions))
    st = http_json(f"{survivor.url}/api/v1/brands/acme")[1]
    assert st["state"] == "crisis" and st["paused"]
    control = [v for v in values(read_all(broker.bootstrap, names.control))
               if v.get("brand") == "acme"]  # the heartbeat record has no brand
    assert control[-1]["paused"] is True
    crisis_alerts = [a for a in values(read_all(broker.bootstrap, names.alerts))
                     if a["brand"] == "acme" and a["kind"] == "crisis"]
    assert len(crisis_alerts) == 1, crisis_alerts
    assert got == dict(expected), f"per-brand counts differ; {diag}"
