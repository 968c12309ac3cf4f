"""A second worker joins mid-stream: the score loop's partitions move, nothing is lost or counted twice."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from kafka import KafkaProducer

from streams.client.http import http_json
from streams.dev.console import metric_totals
from tests.integration.kafkautil import mention, producer, send_all, wait_for

pytestmark = pytest.mark.integration
BRANDS = [f"brand{i}" for i in range(12)]
PER_BRAND = 300


def paced(p: KafkaProducer, topic: str, brands: list[str], n: int, *, prefix: str,
          pause: float) -> None:
    """Send ``n`` rounds of one neutral mention per brand, ``pause`` seconds apart."""
    for i in range(n):
        send_all(p, topic, [mention(b, i, neg=False, prefix=prefix) for b in brands])
        time.sleep(pause)


def _counts(w) -> dict[str, int]:
    return {b: (http_json(f"{w.url}/api/v1/brands/{b}")[1] or {}).get("mentions", 0)
            for b in BRANDS}


def _scored_partitions(w, topic: str) -> set[str]:
    """The ``mentions`` partitions whose lag a worker exports (those its score loop reads)."""
    text = http_json(f"{w.url}/metrics")[1] or ""
    return {line.split('partition="')[1].split('"')[0] for line in text.splitlines()
            if line.startswith("firebreak_consumer_lag_messages{") and f'topic="{topic}"' in line}


def test_a_worker_joining_mid_stream_takes_score_partitions_without_loss_or_double_count(
        broker, names, workers):
    """While mentions stream in, a second worker joins: the score loop's partitions are shared,
    every mention is counted exactly once in its brand's state, and the duplicates the
    handover may re-score are dropped, not counted."""
    workers.ensure_topics()
    w1 = workers.start()
    p = producer(broker.bootstrap)
    expected: Counter[str] = Counter()

    for b in BRANDS:
        expected[b] += PER_BRAND
    t = threading.Thread(target=paced, args=(p, names.mentions, BRANDS, PER_BRAND),
                         kwargs={"prefix": "r", "pause": 0.05})
    t.start()
    time.sleep(2.0)
    w2 = workers.start(ready=False)  # joins while the stream runs
    assert wait_for(lambda: (w2.health()[1] or {}).get("scoring"), 60), "score loop never joined"
    assert t.is_alive(), "the stream ended before the second worker joined"
    t.join()
    assert w2.wait_ready(90), "second worker not ready"
    total = sum(expected.values())

    def merged() -> dict[str, int]:
        c1, c2 = _counts(w1), _counts(w2)
        return {b: max(c1[b], c2[b]) for b in BRANDS}  # each brand is read from its owner's view

    wait_for(lambda: sum(merged().values()) >= total, 90, interval=1)
    time.sleep(3)  # anything counted twice would show up now
    assert merged() == dict(expected)
    # both score loops read ``mentions`` partitions after the join
    assert wait_for(lambda: _scored_partitions(w1, names.mentions)
                    and _scored_partitions(w2, names.mentions), 20, interval=1)
    parts1, parts2 = _scored_partitions(w1, names.mentions), _scored_partitions(w2, names.mentions)
    assert parts1.isdisjoint(parts2) and len(parts1 | parts2) == workers.partitions
    processed = sum(metric_totals(http_json(f"{w.url}/metrics")[1] or "")
                    .get("firebreak_mentions_processed_total", 0) for w in (w1, w2))
    assert processed >= total
