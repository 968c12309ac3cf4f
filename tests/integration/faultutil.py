"""Helpers of the fault tests: metrics of a live worker, fast floods, topic record counts."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from detectors.crisis.state import Observation
from detectors.events import format_time
from streams.client.http import http_json
from streams.wire.messages import dumps
from streams.wire.topics import scored_key

SAMPLE = re.compile(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$")


def scrape(url: str) -> str:
    """One read of a worker's ``/metrics`` ("" if it did not answer)."""
    status, body = http_json(f"{url}/metrics", timeout=10)
    return body if status == 200 and isinstance(body, str) else ""


def sample_sum(body: str, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` (matching ``labels``) in one scrape's ``body``."""
    total = 0.0
    for line in body.splitlines():
        m = SAMPLE.match(line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def metric(url: str, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` (matching ``labels``) on a worker's ``/metrics``.

    Args:
        url: the worker's base URL.
        name: the sample name (e.g. ``firebreak_untracked_mentions_total``).
        labels: label values the samples must have.
    """
    body = scrape(url)
    return sample_sum(body, name, **labels) if body else float("nan")


def invented(n: int, prefix: str = "inv") -> list[tuple[bytes, bytes]]:
    """``n`` neutral mentions, each for a brand nobody configured, as (key, value) bytes."""
    now = format_time(datetime.now(timezone.utc))
    out = []
    for i in range(n):
        m = {"id": f"{prefix}-{i}", "brand": f"{prefix}-{i}", "text": f"saw {prefix}-{i} today",
             "lang": "en", "created_at": now, "author": {"id": f"a{i}"}}
        out.append((m["id"].encode(), json.dumps(m).encode()))
    return out


def invented_scored(n: int, prefix: str = "inv") -> list[tuple[bytes, bytes]]:
    """``n`` neutral observations for invented brands, as the score agent writes them to
    ``mentions.scored`` (keyed by brand): a flood of the detect stage without scoring it."""
    now = time.time()
    return [(scored_key(f"{prefix}-{i}"), dumps(
        {**Observation(f"{prefix}-{i}", now, f"{prefix}-{i}", f"a{i}", "neu", 0.0, "en").to_dict(),
         "kind": "obs", "source": "x", "in_ts": now})) for i in range(n)]


def flood(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> float:
    """Produce ``records`` as fast as the client goes; returns the seconds it took."""
    p = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=50, batch_size=512 * 1024,
                      acks=1, max_request_size=4_000_000)
    t0 = time.monotonic()
    try:
        for key, value in records:
            p.send(topic, key=key, value=value)
        p.flush()
    finally:
        p.close(timeout=10)
    return time.monotonic() - t0


def count_records(bootstrap: str, topics: list[str], timeout: float = 30.0) -> int:
    """Records (tombstones included) on ``topics`` from their beginning to their current end."""
    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                      max_partition_fetch_bytes=8_000_000)
    try:
        tps = [TopicPartition(t, p) for t in topics for p in sorted(c.partitions_for_topic(t) or ())]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        end = c.end_offsets(tps)
        n, deadline = 0, time.monotonic() + timeout
        while any(c.position(tp) < end[tp] for tp in tps) and time.monotonic() < deadline:
            for recs in c.poll(timeout_ms=200, max_records=50_000).values():
                n += len(recs)
        return n
    finally:
        c.close()


def rss_bytes(pid: int | None) -> int:
    """Resident set size of ``pid`` (Linux)."""
    for line in open(f"/proc/{pid}/status").read().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def over(url: str, seconds: float) -> int:
    """Runs of the 1 s housekeeping timer that were more than ``seconds`` late so far.

    The count and the bucket come from one scrape: read from two, a run observed between
    them lands in the second read only, and the difference comes out one short (even -1).
    """
    body = scrape(url)
    return int(sample_sum(body, "firebreak_housekeeping_delay_seconds_count")
               - sample_sum(body, "firebreak_housekeeping_delay_seconds_bucket",
                            le=f"{seconds:.1f}"))


def delays(url: str) -> dict[str, float]:
    """The housekeeping delay histogram's cumulative buckets (for failure messages)."""
    return dict(re.findall(r'^firebreak_housekeeping_delay_seconds_bucket\{le="([^"]+)"\} (\S+)$',
                           scrape(url), flags=re.M))


def processed(url: str) -> float:
    """Scored mentions the worker observed or counted as untracked so far."""
    return (metric(url, "firebreak_mentions_processed_total")
            + metric(url, "firebreak_untracked_mentions_total"))


def wait_metric(url: str, pred: Any, timeout: float, interval: float = 0.5) -> bool:
    """Poll until ``pred(url)`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred(url):
            return True
        time.sleep(interval)
    return False
