"""The score hop as one batch loop: a Faust service with its own consumer and producer.

Scoring is stateless, so it needs none of Faust's per-event machinery (a task,
channel, conductor, acknowledgement and ``wait_first`` per message).
:class:`ScoreLoop` runs beside the Faust app (started and stopped with it) and,
per batch:

1. ``getmany`` up to ``batch_size`` records of ``mentions`` (consumer group
   ``<app_id>-score``, offsets committed by hand);
2. decodes, validates, scores and encodes each record (:func:`score_records`);
   a bad record becomes a ``mentions.dlq`` record with its reason, as before;
3. packs the observations of each ``mentions.scored`` partition (the brand
   key's partition, as Kafka's default partitioner) into few records
   (:func:`pack`: ``{"kind": "batch", "items": [...]}``, in input order, up to
   :data:`PACK_BYTES` each), produces them and waits for every acknowledgement;
4. only then commits the input offsets.

Packing makes the detect hop cheap: Faust delivers and acknowledges one record per
partition and batch, not one per mention (its per-message path cost about as much as
the detection). The detect stage still applies and de-duplicates each item on its own
(:meth:`streams.worker.detect.DetectCore.apply`); single records are read as before.

A crash or a rebalance re-reads at most the batch in hand (at-least-once); the
detect stage drops re-scored copies by mention id. A revocation waits for the batch
in hand to be produced and committed; of a batch fetched across a rebalance only the
partitions still assigned are processed (the others are read again from the committed
offsets by whoever owns them now). One input partition's records keep their order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import mode
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import (
    CommitFailedError,
    ConsumerStoppedError,
    IllegalStateError,
    KafkaError,
)

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.state import Observation
from detectors.engine import is_own_post, score_mentions, to_observation
from detectors.events import Mention, mention_from_json
from streams.settings import Settings
from streams.wire.messages import dlq_record, dumps
from streams.wire.topics import partition_of
from streams.wire.views import FETCH_MAX_BYTES
from streams.worker.metrics import Metrics

log = logging.getLogger(__name__)
BATCH_BYTES = 1_048_576  # produce batches up to 1 MiB per partition
PACK_BYTES = 262_144  # a packed record's size (at most half of max_message_bytes)
PACKED = "batch"  # the ``kind`` of a packed ``mentions.scored`` record
RETRY_SECONDS = 2.0  # wait before reading a failed batch again
STOP_WAIT = 5.0  # longest a stop waits for the batch in hand (within the worker's 10 s)
GATE_WAIT = 2.0  # longest a chunk waits for the detect stage's writes (a revocation waits too)
CHUNK = 100  # records scored between two yields to the event loop (Faust's timers, heartbeats)


@lru_cache(maxsize=65_536)  # bounded: invented brand names cannot grow it without limit
def route(brand: str, partitions: int) -> int:
    """A brand's ``mentions.scored`` partition (Kafka's default partitioner on its key).

    Args:
        brand: the brand slug.
        partitions: the partition count.
    """
    return partition_of(brand, partitions)


@dataclass
class Scored:
    """What one input batch becomes: encoded observations per output partition (input order),
    dead letters, counts."""

    out: dict[int, list[bytes]] = field(default_factory=dict)
    dead: list[tuple[bytes | None, bytes]] = field(default_factory=list)
    own_posts: Counter[str] = field(default_factory=Counter)


def reject(metrics: Metrics, exc: Exception, value: Any, topic: str, partition: int,
           offset: int) -> bytes:
    """The ``mentions.dlq`` value of a rejected message (logged unless it is bad input; counted).

    Args:
        metrics: the worker's metrics.
        exc: why it was rejected.
        value: the raw message value.
        topic: its topic.
        partition: its partition.
        offset: its offset.
    """
    if not hasattr(exc, "field"):
        log.warning("processing error at %s[%s]@%s: %r", topic, partition, offset, exc)
    raw = bytes(value) if isinstance(value, (bytes, bytearray)) else value
    rec = dlq_record(raw, exc, topic, partition, offset, time.time())
    metrics.dlq.labels(reason=rec["reason_code"]).inc()
    return dumps(rec)


def score_records(records: Iterable[Any], book: BrandBook, scorer: Any, metrics: Metrics,
                  partitions: int, max_future: float, now: datetime | None = None,
                  into: Scored | None = None) -> Scored:
    """Validate, score and encode raw ``mentions`` records (no I/O).

    The brand's own posts are not scored; those replying to a mention go on as
    ``kind="own"``. Anything that fails becomes a dead letter with its reason.

    Args:
        records: consumer records (``topic``, ``partition``, ``offset``, ``key``,
            ``value``, ``timestamp`` in ms).
        book: brand configuration.
        scorer: the process's scorer.
        metrics: the worker's metrics (dead letters are counted here).
        partitions: partitions of ``mentions.scored``.
        max_future: seconds a ``created_at`` may be ahead of ``now``.
        now: wall-clock time (default: now).
        into: add to this result (default: a new one).
    """
    now = now or datetime.now(timezone.utc)
    ahead = timedelta(seconds=max_future)
    res = Scored() if into is None else into
    out = res.out
    decoded: list[tuple[Any, Mention, BrandConfig, bool]] = []
    for rec in records:
        try:
            m = mention_from_json(rec.value, now=now, max_future=ahead)
            cfg = book.get(m.brand)
            decoded.append((rec, m, cfg, is_own_post(m, cfg)))
        except Exception as exc:  # noqa: BLE001 - a bad message never stops the worker
            res.dead.append((rec.key, reject(metrics, exc, rec.value, rec.topic, rec.partition,
                                             rec.offset)))
    scores = iter(score_mentions([(m, cfg) for _, m, cfg, own in decoded if not own], scorer))
    for rec, m, cfg, own in decoded:
        try:
            if own:
                res.own_posts[m.brand] += 1
                if not m.in_reply_to:
                    continue
                d = Observation(m.brand, m.ts, m.id, m.author_key, "unscored",
                                in_reply_to=m.in_reply_to).to_dict()
                d.update(kind="own")
            else:
                d = to_observation(m, cfg, scorer, next(scores)).to_dict()
                d.update(kind="obs", source=m.source, in_ts=rec.timestamp / 1000.0)
            p = route(m.brand, partitions)
            value = dumps(d)
        except Exception as exc:  # noqa: BLE001 - a bad message never stops the worker
            res.dead.append((rec.key, reject(metrics, exc, rec.value, rec.topic, rec.partition,
                                             rec.offset)))
            continue
        part = out.get(p)
        if part is None:
            part = out[p] = []
        part.append(value)
    return res


def pack(values: list[bytes], limit: int = PACK_BYTES) -> list[bytes]:
    """Encoded observations as packed records, in order: ``{"kind": "batch", "items": [...]}``.

    A record holds items up to about ``limit`` bytes (at least one item).

    Args:
        values: encoded observations (JSON objects) of one partition.
        limit: the size a record stays under unless a single item is larger.
    """
    out: list[bytes] = []
    head, tail = b'{"kind":"' + PACKED.encode() + b'","items":[', b"]}"
    chunk: list[bytes] = []
    size = 0
    for v in values:
        if chunk and size + len(v) + 1 > limit:
            out.append(head + b",".join(chunk) + tail)
            chunk, size = [], 0
        chunk.append(v)
        size += len(v) + 1
    if chunk:
        out.append(head + b",".join(chunk) + tail)
    return out


class _Rebalance(ConsumerRebalanceListener):
    """Hands over cleanly: a revocation waits for the batch in hand to be committed."""

    def __init__(self, loop: ScoreLoop) -> None:
        self.loop = loop

    async def on_partitions_revoked(self, revoked: Any) -> None:
        # consumer.assignment() keeps the old partitions until the new assignment
        # arrives: a batch fetched meanwhile must not be scored as ours
        self.loop.assigned = set()
        async with self.loop.lock:  # the batch in hand is produced and committed first
            log.info("score: revoked %s", sorted(tp.partition for tp in revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self.loop.assigned = set(assigned)
        self.loop.joined.set()
        log.info("score: assigned %s", sorted(tp.partition for tp in assigned))


class ScoreLoop(mode.Service):
    """The stateless score hop: ``mentions`` -> ``mentions.scored`` (+ ``mentions.dlq``).

    Args:
        settings: the worker's settings.
        metrics: the worker's metrics.
        scorer: the process's scorer.
        gate: scoring waits while this event is cleared (the detect stage's writes).
    """

    def __init__(self, settings: Settings, metrics: Metrics, scorer: Any,
                 book: BrandBook | None = None, gate: asyncio.Event | None = None, **kwargs: Any
                 ) -> None:
        super().__init__(**kwargs)
        self.settings, self.metrics, self.scorer = settings, metrics, scorer
        self.gate = gate  # cleared while the detect stage writes: scoring waits for it
        self.book = settings.brand_book() if book is None else book
        self.lock = asyncio.Lock()
        self.joined = asyncio.Event()
        self.assigned: set[Any] = set()  # the partitions the group gave this loop
        self.failing: str | None = None  # why the last batch failed (None: it went through)
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None

    async def on_start(self) -> None:
        """Start the producer and the consumer, and join the score group."""
        s = self.settings
        self.producer = AIOKafkaProducer(
            # no linger: the loop packs its records itself and waits for their acks at once
            bootstrap_servers=s.bootstrap, acks="all", linger_ms=0,
            max_request_size=s.max_message_bytes, max_batch_size=BATCH_BYTES,
            client_id=f"{s.app_id}-score")
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=s.bootstrap, group_id=f"{s.app_id}-score",
            client_id=f"{s.app_id}-score", enable_auto_commit=False,
            auto_offset_reset="earliest", session_timeout_ms=int(s.session_timeout * 1000),
            heartbeat_interval_ms=int(min(1.0, s.session_timeout / 4) * 1000),
            fetch_max_wait_ms=s.fetch_max_wait_ms, max_partition_fetch_bytes=s.max_message_bytes,
            fetch_max_bytes=max(s.max_message_bytes, FETCH_MAX_BYTES))
        await self.producer.start()
        await self.consumer.start()
        self.consumer.subscribe([s.topics.mentions], listener=_Rebalance(self))

    async def on_stop(self) -> None:
        """Finish the batch in hand (produced and committed), then stop consumer and producer.

        The wait is bounded: a commit waiting for a coordinator the broker cannot give
        (it is down) would otherwise hold the lock, and the stop, until it came back; a
        batch not committed is read again by the next owner (the detect stage dedupes).
        """
        try:
            await asyncio.wait_for(self.lock.acquire(), STOP_WAIT)
        except TimeoutError:
            log.warning("score: the batch in hand did not finish within %.0f s of the stop; "
                        "it is read again by the next owner", STOP_WAIT)
        else:
            self.lock.release()
        consumer, self.consumer = self.consumer, None
        producer, self.producer = self.producer, None
        if consumer is not None:
            await consumer.stop()
        if producer is not None:
            await producer.stop()

    @mode.Service.task
    async def _run(self) -> None:
        s = self.settings
        wait_ms = int(s.batch_seconds * 1000)
        while not self.should_stop:
            consumer = self.consumer
            if consumer is None:
                return
            try:
                batch = await consumer.getmany(timeout_ms=wait_ms, max_records=s.batch_size)
            except ConsumerStoppedError:
                return
            except KafkaError as exc:
                log.warning("score: fetch failed (%r); trying again in %.0f s", exc, RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if not batch:
                continue
            async with self.lock:
                if self.consumer is None:
                    return
                # fetched across a rebalance: only partitions still ours (the
                # others are read again by their new owner from the committed offset)
                batch = {tp: recs for tp, recs in batch.items() if tp in self.assigned}
                if not batch:
                    continue
                try:
                    await self.handle(batch)
                except Exception as exc:  # noqa: BLE001 - the loop must outlive any one batch
                    await self.retry_later(batch, exc)
                    continue
                self.failing = None

    async def retry_later(self, batch: dict[Any, list[Any]], exc: BaseException) -> None:
        """After a batch failed (a produce not acknowledged, the broker away): go back to
        the committed offsets of its partitions, so the batch is read again, and wait a
        little (caller holds the lock). Nothing is committed past a failed batch.

        Args:
            batch: the batch that failed.
            exc: why.
        """
        self.failing = f"{type(exc).__name__}: {exc}"[:200]
        self.metrics.score_failures.inc()
        log.warning("score: a batch of %d mention(s) failed (%s); reading it again in %.0f s",
                    sum(len(r) for r in batch.values()), self.failing, RETRY_SECONDS)
        consumer = self.consumer
        if consumer is not None:
            try:
                await consumer.seek_to_committed(*batch)
            except (KafkaError, IllegalStateError, AssertionError) as err:
                log.warning("score: could not go back to the committed offsets (%r); the group "
                            "hands the partitions on from them", err)
        await asyncio.sleep(RETRY_SECONDS)

    async def handle(self, batch: dict[Any, list[Any]]) -> None:
        """Score one fetched batch, produce it, wait for the acks, commit (caller holds the lock).

        Args:
            batch: ``getmany``'s records by topic-partition.
        """
        s = self.settings
        assert self.consumer is not None and self.producer is not None
        records = [r for recs in batch.values() for r in recs]
        res, now = Scored(), datetime.now(timezone.utc)
        for i in range(0, len(records), CHUNK):
            if i:
                # scoring is CPU-bound: a whole batch in one go would starve the event loop
                # (Faust's timers late, heartbeats missed, the coordinator marked dead)
                await asyncio.sleep(0)
            if self.gate is not None and not self.gate.is_set():  # the detect stage writes:
                with contextlib.suppress(TimeoutError):  # its round trips need the loop turns
                    await asyncio.wait_for(self.gate.wait(), GATE_WAIT)  # a chunk holds
            score_records(records[i:i + CHUNK], self.book, self.scorer, self.metrics,
                          s.partitions, s.max_future, now=now, into=res)
        acks = await self.produce(res)
        m = self.metrics
        for brand, n in res.own_posts.items():
            m.own_posts.labels(brand=m.brand_label(brand)).inc(n)
        await asyncio.gather(*acks)
        m.scored.inc(sum(len(v) for v in res.out.values()))
        offsets = {tp: recs[-1].offset + 1 for tp, recs in batch.items() if recs}
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # the group moved on: the new owner reads these again (the detect stage dedupes)
            log.info("score: commit of %d partition(s) failed (%r); they will be read again",
                     len(offsets), exc)

    async def produce(self, res: Scored) -> list[Any]:
        """Send the packed observations of each partition and the dead letters; the futures.

        Args:
            res: a scored batch.
        """
        producer, s = self.producer, self.settings
        assert producer is not None
        scored, acks = s.topics.scored, []
        limit = min(PACK_BYTES, s.max_message_bytes // 2)
        for p, values in res.out.items():
            for value in pack(values, limit):
                acks.append(await producer.send(scored, value, partition=p))
        for dkey, dvalue in res.dead:
            acks.append(await producer.send(s.topics.dlq, dvalue, key=dkey))
        return acks

    async def lag_by_partition(self) -> dict[tuple[str, int], int]:
        """``(topic, partition) -> end offset - position`` of the assigned ``mentions`` partitions.

        A partition whose end or position is not known yet is ``-1``.
        """
        consumer = self.consumer
        out: dict[tuple[str, int], int] = {}
        if consumer is None:
            return out
        for tp in consumer.assignment():
            try:
                high = consumer.highwater(tp)
                pos = await consumer.position(tp)
            except Exception:  # noqa: BLE001 - not fetched yet, or revoked meanwhile
                high = None
            out[(tp.topic, tp.partition)] = -1 if high is None else max(0, high - pos)
        return out
