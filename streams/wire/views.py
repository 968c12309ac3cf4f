"""The one reader of compacted topics (``brand.state``, ``promotion.control``).

Every worker keeps one, so the HTTP API answers for any brand, including
brands owned by another worker; the pause-flag client runs the same reader in
a background thread (:mod:`streams.client.background`). The view assigns itself
every partition (no consumer group, so any number of readers), reads from the
beginning once, then follows: it keeps its consumer and its last value per key
and only reads new records. It is *caught up* once it has read up to the end
offsets seen at start, or, when a fetch comes back empty, up to the end offsets
the broker reports then (so an end captured before a topic was recreated cannot
keep it behind). A topic whose offsets go backwards (the broker lost it and it
was created again) is noticed: the view drops what it held, reads the topic
afresh up to its new end and records when (``reset_at``), so readers can tell
"data lost" from "never paused". Each topic has a decoder (JSON by default, or a typed
model's ``from_wire``); a record that does not decode is remembered as
*unreadable* for its key, so a reader can fail safe instead of taking it as absent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger(__name__)
Decoder = Callable[[bytes], Any]
RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0)
RESET_CHECK_SECONDS = 5.0
FETCH_MAX_BYTES = 52_428_800  # a fetch's floor (aiokafka's default), raised for large messages
POSITION_TIMEOUT = 10.0  # a partition whose position the broker never gives: fail and retry


class TopicView:
    """Last value per key of some topics, kept current in the background.

    Args:
        bootstrap: ``host:port`` list.
        topics: topic names to follow (values decoded as JSON), or a decoder per topic.
        partitions: partition count of each topic (``None``: asked of the broker).
        max_fetch_bytes: largest message expected.
    """

    def __init__(
        self, bootstrap: list[str], topics: list[str] | Mapping[str, Decoder],
        partitions: int | None = None, max_fetch_bytes: int = 4_000_000,
    ) -> None:
        self.bootstrap = bootstrap
        self.decoders: dict[str, Decoder] = (
            dict(topics) if isinstance(topics, Mapping) else dict.fromkeys(topics, json.loads))
        self.topics = list(self.decoders)
        self.partitions = partitions
        self.max_fetch_bytes = max_fetch_bytes
        self.data: dict[str, dict[str, Any]] = {t: {} for t in self.topics}
        self.unreadable: dict[str, set[str]] = {t: set() for t in self.topics}
        self.caught_up = asyncio.Event()
        self.messages = 0
        self.failures = 0
        self.reset_at: float | None = None  # wall clock of the last reset seen
        self._next: dict[TopicPartition, int] = {}  # the next offset expected per partition
        self._ends: dict[TopicPartition, int] = {}  # the highest end offset reported per partition
        self._consumer: AIOKafkaConsumer | None = None

    def get(self, topic: str, key: str) -> Any | None:
        """The last value of ``key`` on ``topic`` (``None`` if never seen or unreadable).

        Args:
            topic: topic name.
            key: message key (brand).
        """
        return self.data[topic].get(key)

    def keys(self, topic: str) -> list[str]:
        """Every key with a readable value on ``topic``, sorted.

        Args:
            topic: topic name.
        """
        return sorted(self.data[topic])

    def values(self, topic: str) -> dict[str, Any]:
        """A copy of every readable value on ``topic`` by key.

        Args:
            topic: topic name.
        """
        return dict(self.data[topic])

    async def run(self) -> None:
        """Follow the topics until cancelled (reconnecting, with a growing pause, on errors)."""
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a view outlives broker outages
                wait = RETRY_SECONDS[min(self.failures, len(RETRY_SECONDS) - 1)]
                self.failures += 1
                log.warning("topic view of %s failed (%s: %s); retrying in %.0f s",
                            ",".join(self.topics), type(exc).__name__, exc, wait)
                await asyncio.sleep(wait)
            finally:
                if self._consumer is not None:
                    consumer, self._consumer = self._consumer, None
                    await consumer.stop()

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None,
            auto_offset_reset="earliest", max_partition_fetch_bytes=self.max_fetch_bytes,
            fetch_max_bytes=max(self.max_fetch_bytes, FETCH_MAX_BYTES),
        )
        self._consumer = consumer
        await consumer.start()
        tps = await self._partitions(consumer)
        consumer.assign(tps)
        end = await consumer.end_offsets(tps)
        why = self._went_back(end)
        if why is not None:
            self._reset(why)
        for tp in tps:  # after a reconnect, go on where the view stopped
            if tp in self._next:
                consumer.seek(tp, self._next[tp])
        fresh = [tp for tp in tps if tp not in self._next]
        if fresh:  # one request for all: one at a time took about 0.5 s each (measured)
            await consumer.seek_to_beginning(*fresh)
        self.failures = 0
        checked = time.monotonic()
        while True:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            if not self._take(batch):
                end = await self._afresh(consumer, tps)
                continue
            if not self.caught_up.is_set():
                await self._check_caught_up(consumer, tps, end, idle=not batch)
            if time.monotonic() - checked >= RESET_CHECK_SECONDS:
                checked = time.monotonic()
                why = self._went_back(await consumer.end_offsets(tps))
                if why is not None:
                    self._reset(why)
                    end = await self._afresh(consumer, tps)

    async def _afresh(self, consumer: AIOKafkaConsumer, tps: list[TopicPartition]
                      ) -> dict[TopicPartition, int]:
        """Read the (reset) topics from their beginning; returns their end offsets now.

        The end offsets seen before the reset belong to the lost topic: catching up
        to them could take forever on the new one, which may hold fewer records.
        """
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        self._went_back(end)  # remember the new topic's ends
        return end

    async def _check_caught_up(self, consumer: AIOKafkaConsumer, tps: list[TopicPartition],
                               end: Mapping[TopicPartition, int], idle: bool) -> None:
        """Set :attr:`caught_up` once every partition is read up to ``end``, or, after a
        fetch that brought nothing (``idle``), up to the end offsets reported now."""
        positions = {tp: await asyncio.wait_for(consumer.position(tp), POSITION_TIMEOUT)
                     for tp in tps}
        if not all(positions[tp] >= end[tp] for tp in tps):
            if not idle:
                return
            now = await consumer.end_offsets(tps)
            if not all(positions[tp] >= now[tp] for tp in tps):
                return
        log.info("topic view caught up (%d records)", self.messages)
        self.caught_up.set()

    def _take(self, batch: Mapping[TopicPartition, Any]) -> bool:
        """Apply a fetched batch; False (and a reset) when offsets went backwards."""
        for tp, records in batch.items():
            for rec in records:
                if rec.offset < self._next.get(tp, 0):
                    self._reset(f"offsets of partition {tp.partition} went backwards")
                    return False
                self._next[tp] = rec.offset + 1
                self._apply(tp.topic, rec.key, rec.value, rec.offset)
        return True

    def _went_back(self, ends: Mapping[TopicPartition, int]) -> str | None:
        """Why ``ends`` show the topics were lost, or ``None``; remembers the highest ends.

        Offsets never go back on a broker that kept its data, so a partition that ends
        before an end offset reported earlier, or is empty although this view read from
        it, was reset. An end below what the view read is not enough: Tansu reports a
        partition's end as its last batch's first offset + 1.

        Args:
            ends: end offset per partition now.
        """
        for tp, end in ends.items():
            if end < self._ends.get(tp, 0):
                return f"partition {tp.partition} of {tp.topic} ends at {end}, before {self._ends[tp]}"
            if end == 0 and self._next.get(tp, 0) > 0:
                return f"partition {tp.partition} of {tp.topic} is empty, but this view read from it"
        for tp, end in ends.items():
            self._ends[tp] = max(end, self._ends.get(tp, 0))
        return None

    def _reset(self, why: str) -> None:
        """The topics were lost and created again: forget everything read from them."""
        self.reset_at = time.time()
        log.warning("topic view of %s: topic reset (%s); dropping %d keys and reading it afresh",
                    ",".join(self.topics), why, sum(len(d) for d in self.data.values()))
        self._next.clear()
        self._ends.clear()
        for topic in self.topics:
            self.data[topic].clear()
            self.unreadable[topic].clear()

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        if self.partitions is not None:
            return [TopicPartition(t, p) for t in self.topics for p in range(self.partitions)]
        await consumer.topics()  # a metadata refresh
        tps: list[TopicPartition] = []
        for topic in self.topics:
            parts = consumer.partitions_for_topic(topic)
            if not parts:
                raise LookupError(f"topic {topic!r} does not exist (yet)")
            tps.extend(TopicPartition(topic, p) for p in sorted(parts))
        return tps

    def _apply(self, topic: str, raw_key: bytes | None, value: bytes | None, offset: int) -> None:
        self.messages += 1
        if raw_key is None:
            return
        key = raw_key.decode("utf-8", "replace")
        store, bad = self.data[topic], self.unreadable[topic]
        # ordered so that a reader in another thread never sees a paused key as absent
        if value is None:  # a tombstone: the key is gone
            store.pop(key, None)
            bad.discard(key)
            return
        try:
            decoded = self.decoders[topic](value)
        except ValueError:  # pydantic's ValidationError is a ValueError too
            bad.add(key)
            store.pop(key, None)
            log.warning("unreadable record on %s at offset %d (key %r)", topic, offset, key[:80])
            return
        store[key] = decoded
        bad.discard(key)
