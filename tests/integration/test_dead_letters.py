"""10,000 malformed messages mixed into good traffic: all dead-lettered, all good ones counted."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from detectors.events import format_time
from streams.client.http import http_json
from tests.integration.kafkautil import mention, producer, read_all, wait_for

pytestmark = pytest.mark.integration
GOOD_BRANDS = ["acme", "globex", "initech"]
N_BAD, N_GOOD, N_HUGE = 10_000, 2_000, 10


def _bad(i: int) -> tuple[str, bytes]:
    """The i-th malformed message and the reason code it must get."""
    ok = mention("acme", i, neg=False, prefix="bad")
    kind = i % 7
    if i < N_HUGE:
        ok["text"] = "x" * 1_000_000
        return "too_large", json.dumps(ok).encode()
    if kind == 0:
        return "invalid_json", b'{"id": "broken", "brand": '
    if kind == 1:
        del ok["text"]
        return "missing_field", json.dumps(ok).encode()
    if kind == 2:
        ok["brand"] = 42
        return "wrong_type", json.dumps(ok).encode()
    if kind == 3:
        return "invalid_utf8", b'{"id": "u", "brand": "acme", "text": "\xff\xfe", "x": 1}'
    if kind == 4:
        future = datetime.now(timezone.utc) + timedelta(days=3)
        ok["created_at"] = format_time(future)
        return "far_future", json.dumps(ok).encode()
    if kind == 5:
        ok["text"] = "y" * 25_000
        return "too_large", json.dumps(ok).encode()
    return "not_object", b"[1, 2, 3]"


def test_malformed_messages_go_to_the_dlq_and_good_ones_are_processed(broker, names, workers):
    """Every bad message lands in the DLQ with reason and origin; the worker stays up."""
    workers.ensure_topics()
    w = workers.start()
    p = producer(broker.bootstrap)
    rng = random.Random(7)
    messages = [("good", json.dumps(mention(GOOD_BRANDS[i % 3], i, neg=False, prefix="g"))
                 .encode()) for i in range(N_GOOD)]
    messages += [_bad(i) for i in range(N_BAD)]
    rng.shuffle(messages)
    want = Counter(kind for kind, _ in messages if kind != "good")
    for _, value in messages:
        p.send(names.mentions, value=value)
    p.flush()

    def dlq_count() -> int:
        text = http_json(f"{w.url}/metrics")[1] or ""
        return int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                       if line.startswith("firebreak_dlq_messages_total{")))

    assert wait_for(lambda: dlq_count() >= N_BAD, 120, interval=1), dlq_count()
    records = [json.loads(r.value) for r in read_all(broker.bootstrap, names.dlq, timeout=30)]
    assert len(records) == N_BAD
    assert Counter(r["reason_code"] for r in records) == want
    origins = {(r["origin"]["topic"], r["origin"]["partition"], r["origin"]["offset"])
               for r in records}
    assert len(origins) == N_BAD and all(t == names.mentions for t, _, _ in origins)
    assert all(r["reason"] and len(r["excerpt"]) <= 1024 for r in records)

    def good() -> int:
        return sum((http_json(f"{w.url}/api/v1/brands/{b}")[1] or {}).get("mentions", 0)
                   for b in GOOD_BRANDS)

    assert wait_for(lambda: good() == N_GOOD, 60), good()
    assert w.alive() and w.health()[0] == 200
