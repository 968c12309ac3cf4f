"""A read-only view of the compacted ``brand.state`` and ``promotion.control`` topics.

Every worker keeps one, so the HTTP API answers for any brand, including
brands owned by another worker. The view assigns itself every partition (no
consumer group), reads from the beginning and keeps the last value per key.
It is *caught up* once it has read up to the end offsets seen at start.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger(__name__)


class TopicView:
    """Last value per key of some topics, kept current in the background.

    Args:
        bootstrap: ``host:port`` list.
        topics: topic names to follow.
        partitions: partition count of each topic.
        max_fetch_bytes: largest message expected.
    """

    def __init__(
        self, bootstrap: list[str], topics: list[str], partitions: int,
        max_fetch_bytes: int = 4_000_000,
    ) -> None:
        self.bootstrap = bootstrap
        self.topics = topics
        self.partitions = partitions
        self.max_fetch_bytes = max_fetch_bytes
        self.data: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in topics}
        self.caught_up = asyncio.Event()
        self.messages = 0
        self._consumer: AIOKafkaConsumer | None = None

    def get(self, topic: str, key: str) -> dict[str, Any] | None:
        """The last value of ``key`` on ``topic`` (``None`` if never seen).

        Args:
            topic: topic name.
            key: message key (brand).
        """
        return self.data[topic].get(key)

    def keys(self, topic: str) -> list[str]:
        """Every key seen on ``topic``, sorted.

        Args:
            topic: topic name.
        """
        return sorted(self.data[topic])

    async def run(self) -> None:
        """Follow the topics until cancelled (reconnecting on errors)."""
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("topic view failed; restarting in 1 s")
                await asyncio.sleep(1.0)
            finally:
                if self._consumer is not None:
                    consumer, self._consumer = self._consumer, None
                    await consumer.stop()

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None,
            auto_offset_reset="earliest", max_partition_fetch_bytes=self.max_fetch_bytes,
            fetch_max_bytes=max(self.max_fetch_bytes, 52_428_800),
        )
        self._consumer = consumer
        await consumer.start()
        tps = [TopicPartition(t, p) for t in self.topics for p in range(self.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        while True:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for tp, records in batch.items():
                store = self.data[tp.topic]
                for rec in records:
                    self.messages += 1
                    if rec.key is None:
                        continue
                    key = rec.key.decode("utf-8", "replace")
                    if rec.value is None:
                        store.pop(key, None)
                        continue
                    try:
                        store[key] = json.loads(rec.value)
                    except ValueError:
                        log.warning("unreadable record on %s at %s", tp, rec.offset)
            if not self.caught_up.is_set():
                positions = {tp: await consumer.position(tp) for tp in tps}
                if all(positions[tp] >= end[tp] for tp in tps):
                    log.info("topic view caught up (%d records)", self.messages)
                    self.caught_up.set()
