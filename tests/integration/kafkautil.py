"""Small Kafka helpers for the integration tests (kafka-python)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from detectors.events import format_time

NEG_TEXT = "{b} is terrible, awful, the worst scam ever. I hate it #{i}"
NEU_TEXT = "I bought a new phone from {b} today, order number {i}"


def producer(bootstrap: str) -> KafkaProducer:
    """A producer that accepts messages up to 4 MB."""
    return KafkaProducer(bootstrap_servers=bootstrap, max_request_size=4_000_000, linger_ms=5,
                         acks=1)


def mention(brand: str, i: int, *, neg: bool, at: datetime | None = None,
            prefix: str = "m") -> dict[str, Any]:
    """A valid English mention (negative or neutral) by a distinct author."""
    at = at or datetime.now(timezone.utc)
    text = (NEG_TEXT if neg else NEU_TEXT).format(b=brand, i=i)
    return {"id": f"{prefix}-{brand}-{i}", "brand": brand, "text": text, "lang": "en",
            "created_at": format_time(at), "source": "x",
            "author": {"id": f"{prefix}-a{i}", "handle": f"user{i}", "followers": 10}}


def background(brand: str, n: int = 20, minutes: float = 10.0,
               prefix: str = "bg") -> list[dict[str, Any]]:
    """``n`` neutral mentions spread over the last ``minutes`` minutes."""
    now = datetime.now(timezone.utc)
    return [mention(brand, i, neg=False, prefix=prefix,
                    at=now - timedelta(seconds=minutes * 60 * (1 - i / n)))
            for i in range(n)]


def send_all(p: KafkaProducer, topic: str, items: list[dict[str, Any]]) -> None:
    """Produce mentions keyed by id and flush."""
    for m in items:
        p.send(topic, key=str(m["id"]).encode(), value=json.dumps(m).encode())
    p.flush()


def read_all(bootstrap: str, topic: str, timeout: float = 10.0) -> list[Any]:
    """Every record of ``topic`` from the beginning to its current end."""
    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                      max_partition_fetch_bytes=8_000_000)
    try:
        parts = c.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return []
        c.assign(tps)
        c.seek_to_beginning(*tps)
        end = c.end_offsets(tps)
        out: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(c.position(tp) < end[tp] for tp in tps) and time.monotonic() < deadline:
            for recs in c.poll(timeout_ms=200).values():
                out.extend(recs)
        return out
    finally:
        c.close()


def values(records: list[Any]) -> list[dict[str, Any]]:
    """Decoded JSON values of records."""
    return [json.loads(r.value) for r in records if r.value is not None]


def wait_for(predicate: Any, timeout: float, interval: float = 0.2) -> Any:
    """Poll ``predicate`` until it returns something truthy; returns it (or the last value)."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value
