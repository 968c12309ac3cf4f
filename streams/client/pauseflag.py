"""Pause-flag client for marketing tooling: "may I publish for this brand now?"

Two ways to read the flag, one fail-safe rule::

    from streams.client.pauseflag import KafkaFlagReader, HttpFlagReader, may_publish

    flags = KafkaFlagReader(["kafka1:9092"], topic="promotion.control")
    if may_publish(flags.get("acme")):
        publish()

**Fail-safe rule.** A flag is *effectively paused* when

1. it says ``paused: true``; or
2. it is stale: its ``updated_at`` is older than ``max_age`` (default 5 minutes;
   workers re-publish every brand's flag every ``flag_refresh_seconds``, 60 s by
   default); or
3. it could not be read (broker or API unreachable, timeout, bad answer).

A brand with no record while the source is healthy (never mentioned, never in
crisis) is *not* paused. Over HTTP "healthy" means the API answered; over Kafka it
means the topic was read to its end and at least one flag in it is fresh.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from pydantic import ValidationError

from detectors.events import format_time
from streams.client.http import http_json
from streams.wire.flags import PauseFlag, PromotionAnswer

DEFAULT_MAX_AGE = 300.0


@dataclass(frozen=True)
class Flag:
    """The pause flag of a brand as read (``record``), with the fail-safe verdict.

    Args:
        brand: the brand slug.
        record: the published flag, or ``None`` (no record, or none could be read).
        effective_paused: the verdict: true means hold promotion.
        why: the verdict in words (``paused``, ``stale flag …``, ``flag source unreachable …``).
    """

    brand: str
    record: PauseFlag | None
    effective_paused: bool
    why: str

    @property
    def paused(self) -> bool:
        """What the record says (with no record: the verdict)."""
        return self.record.paused if self.record is not None else self.effective_paused

    @property
    def reason(self) -> str | None:
        """Why the brand is paused (or resumed), as published."""
        return self.record.reason if self.record is not None else None

    @property
    def since(self) -> datetime | None:
        """When the flag last changed."""
        return self.record.since if self.record is not None else None

    @property
    def updated_at(self) -> datetime | None:
        """When the flag was published."""
        return self.record.updated_at if self.record is not None else None


def evaluate(brand: str, record: PauseFlag | Mapping[str, Any] | None, *, source_ok: bool,
             max_age: float = DEFAULT_MAX_AGE, now: float | None = None) -> Flag:
    """Apply the fail-safe rule to one record.

    Args:
        brand: the brand slug.
        record: the flag as published (a model or its wire dict; ``None`` when there is
            no record). A dict that does not fit the model counts as unreadable.
        source_ok: whether the source was read successfully and is fresh.
        max_age: seconds after which a flag is stale.
        now: wall-clock time (POSIX seconds), ``time.time()`` by default.
    """
    now = time.time() if now is None else now
    if not source_ok:
        return Flag(brand, None, True, "flag source unreachable or stale")
    if record is None:
        return Flag(brand, None, False, "no record: brand never paused")
    if not isinstance(record, PauseFlag):
        try:
            record = PauseFlag.from_wire(record)
        except ValidationError:
            return Flag(brand, None, True, "unreadable flag record")
    if now - record.updated_at.timestamp() > max_age:
        return Flag(brand, record, True, f"stale flag (updated_at={format_time(record.updated_at)})")
    return Flag(brand, record, record.paused, "paused" if record.paused else "not paused")


def may_publish(flag: Flag) -> bool:
    """True when automated promotion may go out for the brand.

    Args:
        flag: a flag from a reader.
    """
    return not flag.effective_paused


def read_compacted(bootstrap: list[str] | str, topic: str, timeout: float = 10.0,
                   ) -> dict[str, dict[str, Any]]:
    """Read a compacted JSON topic from the beginning to its end; last value per key.

    Args:
        bootstrap: ``host:port`` list (or one string).
        topic: the topic.
        timeout: seconds at most.

    Raises:
        TimeoutError: the end was not reached in time.
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             group_id=None, consumer_timeout_ms=int(timeout * 1000),
                             request_timeout_ms=int(max(timeout, 5) * 1000) + 1000)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return {}
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        out: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end in {timeout}s")
            for records in consumer.poll(timeout_ms=200).values():
                for rec in records:
                    if rec.key is None:
                        continue
                    key = rec.key.decode("utf-8", "replace")
                    if rec.value is None:
                        out.pop(key, None)
                    else:
                        out[key] = json.loads(rec.value)
        return out
    finally:
        consumer.close()


class KafkaFlagReader:
    """Reads ``promotion.control`` directly (assign, seek to beginning, read to end).

    Args:
        bootstrap: ``host:port`` list.
        topic: the control topic (mind the prefix).
        max_age: seconds after which a flag is stale.
        timeout: seconds for one read.
    """

    def __init__(self, bootstrap: list[str] | str, topic: str = "promotion.control",
                 max_age: float = DEFAULT_MAX_AGE, timeout: float = 10.0) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.max_age, self.timeout = max_age, timeout

    def get_all(self) -> dict[str, Flag]:
        """Every brand's flag (empty with ``source_ok`` false if unreadable)."""
        try:
            records = read_compacted(self.bootstrap, self.topic, self.timeout)
        except Exception:  # noqa: BLE001 - unreachable means fail safe
            return {}
        return {b: evaluate(b, r, source_ok=True, max_age=self.max_age)
                for b, r in records.items()}

    def get(self, brand: str) -> Flag:
        """The flag of one brand, fail-safe.

        Args:
            brand: the brand slug.
        """
        try:
            records = read_compacted(self.bootstrap, self.topic, self.timeout)
        except Exception:  # noqa: BLE001
            return evaluate(brand, None, source_ok=False)
        now = time.time()
        fresh = any(_fresh(r, now, self.max_age) for r in records.values())
        return evaluate(brand, records.get(brand), source_ok=fresh, max_age=self.max_age,
                        now=now)


class HttpFlagReader:
    """Reads ``GET /api/v1/brands/{brand}/promotion`` from any worker.

    Args:
        base_url: e.g. ``http://firebreak:6066``.
        max_age: seconds after which a flag is stale.
        timeout: seconds for one request.
    """

    def __init__(self, base_url: str, max_age: float = DEFAULT_MAX_AGE,
                 timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_age, self.timeout = max_age, timeout

    def get(self, brand: str) -> Flag:
        """The flag of one brand, fail-safe.

        Args:
            brand: the brand slug.
        """
        url = f"{self.base_url}/api/v1/brands/{urllib.parse.quote(brand)}/promotion"
        status, body = http_json(url, timeout=self.timeout)
        if status != 200 or not isinstance(body, dict):
            return evaluate(brand, None, source_ok=False)
        try:
            answer = PromotionAnswer.from_wire(body)
        except ValidationError:
            return evaluate(brand, None, source_ok=False)
        if not answer.known:
            return evaluate(brand, None, source_ok=True)
        return evaluate(brand, answer, source_ok=True, max_age=self.max_age)


def _fresh(record: Mapping[str, Any], now: float, max_age: float) -> bool:
    try:
        return now - PauseFlag.from_wire(record).updated_at.timestamp() <= max_age
    except ValidationError:
        return False
