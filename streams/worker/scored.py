"""The detect hop's input: ``mentions.scored`` records applied in chunks under the lock.

A record is one observation, an own reply or an override command, or a packed
record of many observations (:func:`streams.worker.scoring.pack`), whose items
are applied one by one (:meth:`streams.worker.detect.DetectCore.apply`). Events
are acknowledged only at the checkpoint after them. A partition that arrives past
its cursor has the gap read again directly from the broker (:func:`fill_gap`).
A message that cannot be applied goes to ``mentions.dlq``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.wire.messages import dumps
from streams.wire.views import FETCH_MAX_BYTES
from streams.worker.detect import Decision
from streams.worker.positions import Verdict
from streams.worker.publishing import act, checkpoint, checkpoint_due
from streams.worker.runtime import Runtime
from streams.worker.scoring import PACKED, reject

log = logging.getLogger(__name__)
GAP_SECONDS = 30.0  # give up on a gap when the broker returns nothing for this long
DETECT_CHUNK = 2000  # mentions applied under the lock before it is released (packed records)
CHUNK_SECONDS = 0.05  # ... or this long, so housekeeping and the pause flags wait no longer
SLOW_HOLD = 1.0  # a chunk holding the lock longer than this is logged (INFO)


async def dead_letter(rt: Runtime, ev: Any, exc: Exception) -> None:
    """Route a rejected message to ``mentions.dlq`` with its reason and origin.

    Args:
        rt: the worker runtime.
        ev: the Faust event.
        exc: why it was rejected.
    """
    msg = ev.message
    raw = ev.value if isinstance(ev.value, (bytes, bytearray)) else msg.value
    await rt.t_dlq.send(key=msg.key, value=reject(rt.metrics, exc, raw, msg.topic, msg.partition,
                                                  msg.offset))


async def detect_batch(rt: Runtime, events: list[Any]) -> None:
    """Apply one batch of scored messages in chunks; act on transitions; checkpoint when due.

    A packed record holds hundreds of mentions, so a batch can hold very many: the lock
    is released after every :data:`DETECT_CHUNK` mentions (transitions acted on first),
    so housekeeping and pause flags are not held up behind a backlog. A rebalance between
    two chunks ends the batch: the rest is not acknowledged and is read again by whoever
    owns its partition now (from the committed offset, or from the states' markers).

    Args:
        rt: the worker runtime.
        events: Faust events of ``mentions.scored``.
    """
    start, generation = 0, rt.generation
    while True:  # an empty batch too: it checkpoints when one is due
        if rt.stopping or rt.generation != generation:
            return  # stopping (a reset, SIGTERM) or rebalanced: the rest stays unacknowledged
        async with rt.lock:
            if rt.stopping or rt.generation != generation:
                return
            async with timed("detect") as hold:
                first, start = start, await detect_chunk(rt, events, start)
                hold.what = f"detect: a chunk of {start - first} record(s)"
        if start >= len(events):
            return


@dataclass(slots=True)
class Hold:
    """What holds the lock, as the log names it (the holder may say more as it goes)."""

    what: str


@asynccontextmanager
async def timed(what: str) -> AsyncIterator[Hold]:
    """Log (INFO) a lock hold longer than :data:`SLOW_HOLD`: what held housekeeping and
    the pause flags up. Used inside ``async with rt.lock``.

    Args:
        what: the holder, as the log names it.
    """
    hold, start = Hold(what), time.monotonic()
    yield hold
    held = time.monotonic() - start
    if held > SLOW_HOLD:
        log.info("%s held the lock %.2f s", hold.what, held)


async def detect_chunk(rt: Runtime, events: list[Any], start: int) -> int:
    """Apply ``events`` from ``start`` until about :data:`DETECT_CHUNK` mentions or
    :data:`CHUNK_SECONDS` (at least one record; caller holds the lock); act on transitions,
    checkpoint when due; the index where it stopped.

    Args:
        rt: the worker runtime.
        events: Faust events of ``mentions.scored``.
        start: the first event to apply.
    """
    decisions: list[Decision] = []
    now = time.time()
    cur, i, n = rt.cursor, start, 0
    until = time.monotonic() + CHUNK_SECONDS
    while i < len(events) and n < DETECT_CHUNK and (i == start or time.monotonic() < until):
        ev = events[i]
        i += 1
        msg = ev.message
        rt.pending.append(ev)
        p = msg.partition
        if not cur.started(p):
            cur.start(p, rt.marker(p))
        if cur.admit(p, msg.offset) is Verdict.FILL:
            await fill_gap(rt, msg, decisions, now)
        n += await decide(rt, ev, decisions, now)
    rt.core.flush_metrics()
    rt.metrics.batch_size.observe(i - start)
    if decisions:
        await act(rt, decisions)
    elif checkpoint_due(rt):
        await checkpoint(rt)
    return i


async def decide(rt: Runtime, ev: Any, decisions: list[Decision], now: float) -> int:
    """Apply one scored message (caller holds the lock); collect its decisions; how many
    mentions (items) it held.

    Args:
        rt: the worker runtime.
        ev: a Faust event, or a :class:`ShapedEvent`.
        decisions: where to add its decision.
        now: wall-clock time of the batch.
    """
    msg = ev.message
    try:
        data = orjson.loads(ev.value)  # strict JSON, a third of json.loads' time
        items = data["items"] if data.get("kind") == PACKED else None
        if items is not None and not isinstance(items, list):
            raise ValueError("a packed record's items are not a list")
        if items is None:
            decision = rt.core.apply(data, msg.partition, msg.offset)
    except Exception as exc:  # noqa: BLE001
        await dead_letter(rt, ev, exc)
        return 1
    if items is not None:
        await decide_items(rt, msg, items, decisions, now)
        return len(items)
    _applied(data, decision, decisions, now, rt.metrics.latency.observe)
    return 1


def _applied(data: dict[str, Any], decision: Decision | None, decisions: list[Decision],
             now: float, observe: Any) -> None:
    """After an observation was applied: its pipeline latency, and its decision if any."""
    in_ts = data.get("in_ts")
    if isinstance(in_ts, (int, float)) and in_ts > 0:
        observe(max(0.0, now - in_ts))
    if decision is not None:
        decisions.append(decision)


async def decide_items(rt: Runtime, msg: Any, items: list[Any], decisions: list[Decision],
                       now: float) -> None:
    """Apply the items of one packed record (:func:`streams.worker.scoring.pack`) in order.

    A bad item is a dead letter (with the record's origin); the others go on.

    Args:
        rt: the worker runtime (caller holds the lock).
        msg: the record's message (its partition and offset).
        items: the decoded observations.
        decisions: where to add decisions.
        now: wall-clock time of the batch.
    """
    moved: set[str] = set()
    apply, observe, p, off = rt.core.apply, rt.metrics.latency.observe, msg.partition, msg.offset
    for data in items:
        try:
            decision = apply(data, p, off, moved)
        except Exception as exc:  # noqa: BLE001
            await dead_letter(rt, ShapedEvent(dumps(data), msg), exc)
            continue
        _applied(data, decision, decisions, now, observe)
    await asyncio.sleep(0)  # hundreds of items: let timers and heartbeats run (lock held)


@dataclass
class GapMessage:
    """A ``mentions.scored`` record read directly to fill a gap (shaped as a Faust message)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: float


@dataclass
class ShapedEvent:
    """A value and its message shaped as a Faust event: a :class:`GapMessage`, or one item of
    a packed record (for its dead letter)."""

    value: bytes | None
    message: Any


async def fill_gap(rt: Runtime, msg: Any, decisions: list[Decision], now: float) -> None:
    """Read and apply the offsets of ``msg``'s partition between the cursor and ``msg``.

    They are read with a separate, group-less consumer: seeking the Faust consumer
    back does not work reliably (it drops re-fetched offsets below the last one it
    delivered). Caller holds the lock.

    Args:
        rt: the worker runtime.
        msg: the Faust message that arrived past the cursor.
        decisions: where to add decisions.
        now: wall-clock time of the batch.
    """
    p, end = msg.partition, msg.offset
    start = rt.cursor.next[p]
    log.info("scored partition %d: reading %d..%d again (states' position), before %d",
             p, start, end - 1, end)
    rt.metrics.rewinds.inc()
    tp = TopicPartition(msg.topic, p)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=rt.settings.bootstrap, enable_auto_commit=False, group_id=None,
        auto_offset_reset="earliest", max_partition_fetch_bytes=rt.settings.max_message_bytes,
        fetch_max_bytes=max(rt.settings.max_message_bytes, FETCH_MAX_BYTES),
    )
    await consumer.start()
    n, deadline = 0, time.monotonic() + GAP_SECONDS
    try:
        consumer.assign([tp])
        consumer.seek(tp, start)
        while await consumer.position(tp) < end:
            if time.monotonic() > deadline:
                log.error("scored partition %d: gap %d..%d stalled for %.0f s (read %d)",
                          p, start, end - 1, GAP_SECONDS, n)
                break
            batch = await consumer.getmany(tp, timeout_ms=200, max_records=5000)
            if batch.get(tp):
                deadline = time.monotonic() + GAP_SECONDS
            for rec in batch.get(tp, ()):
                if start <= rec.offset < end:
                    n += 1
                    gm = GapMessage(msg.topic, p, rec.offset, rec.key, rec.value,
                                    rec.timestamp / 1000.0)
                    await decide(rt, ShapedEvent(rec.value, gm), decisions, now)
    finally:
        await consumer.stop()
    rt.cursor.filled(p, end + 1)
    log.info("scored partition %d: read %d message(s) of the gap", p, n)
